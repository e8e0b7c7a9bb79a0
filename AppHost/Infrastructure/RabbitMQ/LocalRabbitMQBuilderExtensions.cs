using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HpcAspire.AppHost.Infrastructure.RabbitMQ;

internal static class LocalRabbitMQBuilderExtensions
{
    internal const string InstallHint = "Install it with 'apt-get install -y rabbitmq-server' (or run 'bash .ci/prerequisites'), then start the AppHost again.";
    private const string EpmdPath = "/usr/bin/epmd";

    public static IResourceBuilder<LocalRabbitMQResource> AddLocalRabbitMQ(
        this IDistributedApplicationBuilder builder, string name,
        IResourceBuilder<ParameterResource> userName, IResourceBuilder<ParameterResource> password, InfrastructureSettings infrastructure)
    {
        var settings = infrastructure.RabbitMQ;
        var baseDirectory = Path.Combine(infrastructure.DataDirectory, name);
        var script = Path.Combine(builder.AppHostDirectory, "Infrastructure", "RabbitMQ", "rabbitmq-local.sh");
        var amqpPort = settings.Port is 0 ? FreeLoopbackPort() : settings.Port;
        var managementPort = settings.ManagementPort is 0 ? FreeLoopbackPort() : settings.ManagementPort;

        var resource = new LocalRabbitMQResource(name, "/bin/bash", builder.AppHostDirectory, userName.Resource, password.Resource);
        var rabbitmq = builder.AddResource(resource)
            .WithEndpoint(LocalRabbitMQResource.PrimaryEndpointName, endpoint =>
            {
                endpoint.Port = amqpPort;
                endpoint.TargetPort = amqpPort;
                endpoint.UriScheme = "amqp";
                endpoint.IsProxied = false;
            })
            .WithEndpoint(LocalRabbitMQResource.ManagementEndpointName, endpoint =>
            {
                endpoint.Port = managementPort;
                endpoint.TargetPort = managementPort;
                endpoint.UriScheme = "http";
                endpoint.IsProxied = false;
            })
            .WithHealthCheck(AddHealthCheck(builder, resource))
            .ExcludeFromManifest();

        var missing = new[] { settings.ServerPath, EpmdPath }.FirstOrDefault(path => !File.Exists(path));
        if (missing is not null)
        {
            // The resource stays in the model (services still reference it) but fails with the fix in its log.
            var message = $"rabbitmq-server is not installed: {missing} does not exist. {InstallHint}";
            builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
            {
                @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HpcAspire.Infrastructure")
                    .LogWarning("{Resource}: {Message} The rest of the application starts without it.", name, message);
                return Task.CompletedTask;
            });
            return rabbitmq.WithArgs("-c", $"echo \"{message}\" >&2; exit 127")
                .WithAnnotation(new LocalRabbitMQMissingAnnotation(message));
        }

        // Ephemeral like a container without a volume: each AppHost run starts from empty data,
        // but a restart of the resource within a run keeps its queues.
        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            if (Directory.Exists(baseDirectory))
            {
                Directory.Delete(baseDirectory, recursive: true);
            }

            return Task.CompletedTask;
        });

        return rabbitmq
            .WithArgs(script)
            .WithEnvironment("RMQ_BASE", baseDirectory)
            .WithEnvironment("RMQ_SERVER", settings.ServerPath)
            .WithEnvironment("RMQ_AMQP_PORT", amqpPort.ToString())
            .WithEnvironment("RMQ_MGMT_PORT", managementPort.ToString())
            .WithEnvironment("RMQ_DIST_PORT", FreeLoopbackPort().ToString())
            .WithEnvironment("RMQ_EPMD_PORT", FreeLoopbackPort().ToString())
            .WithEnvironment("RMQ_USER", userName)
            .WithEnvironment("RMQ_PASS", password)
            .WithUrlForEndpoint(LocalRabbitMQResource.ManagementEndpointName, url => url.DisplayText = "Management UI");
    }

    private static string AddHealthCheck(IDistributedApplicationBuilder builder, LocalRabbitMQResource resource)
    {
        var key = $"{resource.Name}-amqp";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            key, _ => new RabbitMQConnectionHealthCheck(ct => resource.ConnectionStringExpression.GetValueAsync(ct)), failureStatus: null, tags: null));
        return key;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Marks a local RabbitMQ whose server is not installed; the message says how to install it.</summary>
public sealed record LocalRabbitMQMissingAnnotation(string Message) : IResourceAnnotation;

using HpcAspire.Messaging;
using HpcAspire.Messaging.RabbitMQ;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using RabbitMQ.Client;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The RabbitMQ transport for a service: one long-lived connection from <c>ConnectionStrings:&lt;name&gt;</c> through
/// Aspire's client integration (health check, retries, recovery), settings from <c>Messaging:RabbitMQ</c>, the
/// topology declared at start, a confirmed <see cref="RabbitMQPublisher"/>, what <see cref="RabbitMQConsumer"/>s
/// need, and the integration's activity source and meters.
/// </summary>
public static class RabbitMQHostingExtensions
{
    public const string DefaultConnectionName = "rabbitmq";

    public static IHostApplicationBuilder AddRabbitMQMessaging(this IHostApplicationBuilder builder, string connectionName = DefaultConnectionName)
    {
        if (builder.Services.Any(service => service.ServiceType == typeof(RabbitMQTransportSettings)))
        {
            return builder;
        }

        var settings = new RabbitMQTransportSettings();
        builder.Configuration.GetSection(RabbitMQTransportSettings.SectionName).Bind(settings);
        settings.Validate();

        // The client's own spans are off: this integration's send/process spans are the ones Kafka's match, and the
        // client's publish span would replace the trace context this integration writes into the headers.
        builder.AddRabbitMQClient(connectionName, client => client.DisableTracing = true, factory =>
        {
            factory.ClientProvidedName = builder.Environment.ApplicationName;
            factory.AutomaticRecoveryEnabled = true;
            // The connection recovers by itself; the topology is durable and declared at start, and each consumer
            // re-subscribes in a session of its own after restoring its checkpoint (see RabbitMQConsumer).
            factory.TopologyRecoveryEnabled = false;
        });

        var serviceName = builder.Environment.ApplicationName;
        builder.Services.AddSingleton(settings);
        builder.Services.TryAddSingleton<PipelineStages>();
        builder.Services.AddSingleton<RabbitMQTelemetry>();
        builder.Services.AddSingleton<HpcTopology>();
        builder.Services.AddSingleton(services => new RabbitMQConsumerContext(
            services.GetRequiredService<IConnection>(), services.GetRequiredService<HpcTopology>(), services.GetRequiredService<RabbitMQTelemetry>(),
            settings, services.GetRequiredService<ILoggerFactory>(), serviceName));
        builder.Services.AddSingleton(services => new RabbitMQPublisher(
            services.GetRequiredService<IConnection>(), services.GetRequiredService<RabbitMQTelemetry>(),
            services.GetRequiredService<ILogger<RabbitMQPublisher>>(), settings.PublishWindow, settings.ConfirmTimeout));
        builder.Services.AddHostedService<RabbitMQTransportLifetime>();

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(RabbitMQTelemetry.MeterName, PipelineStages.MeterName))
            .WithTracing(tracing => tracing.AddSource(RabbitMQTelemetry.ActivitySourceName));
        return builder;
    }
}

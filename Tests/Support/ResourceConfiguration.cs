using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace HpcAspire.Tests.Support;

/// <summary>
/// A resource's arguments and environment as Aspire resolves them: in publish mode (manifest expressions for
/// references), or in run mode with endpoints allocated as DCP allocates them, so what a container would really be
/// started with can be checked on machines without a container engine.
/// </summary>
internal static class ResourceConfiguration
{
    /// <summary>First host port handed out by <see cref="AllocateEndpoints"/>; the n-th endpoint gets this plus n.</summary>
    public const int FirstHostPort = 41000;

    public static Task<Dictionary<string, string>> EnvironmentAsync(IResource resource) =>
        EnvironmentAsync(resource, new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish));

    public static async Task<List<string>> ArgumentsAsync(IResource resource)
    {
        var result = await ExecutionConfigurationBuilder.Create(resource).WithArgumentsConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish), NullLogger.Instance, CancellationToken.None);
        return result.Arguments.Select(argument => argument.Value).ToList();
    }

    /// <summary>
    /// The environment a resource is started with in run mode. Call <see cref="AllocateEndpoints"/> first: run mode
    /// resolves endpoint references to allocated addresses, on the network of the resource that reads them.
    /// </summary>
    public static async Task<Dictionary<string, string>> RunModeEnvironmentAsync(IDistributedApplicationTestingBuilder builder, IResource resource)
    {
        var services = builder.Services.BuildServiceProvider();
        var context = new DistributedApplicationExecutionContext(
            new DistributedApplicationExecutionContextOptions(DistributedApplicationOperation.Run) { Services = services });
        return await EnvironmentAsync(resource, context);
    }

    /// <summary>
    /// Allocates every endpoint of the model the way DCP does: on the host network a proxy port of its own
    /// (<see cref="FirstHostPort"/> onwards, in model order) at <c>localhost</c>; for containers also on Aspire's
    /// container network, at the resource's name and its target port.
    /// </summary>
    public static void AllocateEndpoints(IDistributedApplicationTestingBuilder builder)
    {
        var next = FirstHostPort;
        foreach (var resource in builder.Resources)
        {
            foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
            {
                var hostPort = next++;
                // A project's endpoint has no fixed target port: DCP hands the process one, named by this expression.
                var targetPortExpression = endpoint.TargetPort is null ? hostPort.ToString() : null;
                endpoint.AllAllocatedEndpoints.AddOrUpdateAllocatedEndpoint(KnownNetworkIdentifiers.LocalhostNetwork,
                    new AllocatedEndpoint(endpoint, "localhost", hostPort, EndpointBindingMode.SingleAddress, targetPortExpression,
                        KnownNetworkIdentifiers.LocalhostNetwork));
                if (resource is ContainerResource && endpoint.TargetPort is { } targetPort && endpoint.Protocol == ProtocolType.Tcp)
                {
                    endpoint.AllAllocatedEndpoints.AddOrUpdateAllocatedEndpoint(KnownNetworkIdentifiers.DefaultAspireContainerNetwork,
                        new AllocatedEndpoint(endpoint, resource.Name, targetPort, EndpointBindingMode.SingleAddress, targetPortExpression: null,
                            KnownNetworkIdentifiers.DefaultAspireContainerNetwork));
                }
            }
        }
    }

    /// <summary>The host port <see cref="AllocateEndpoints"/> gave a resource's endpoint.</summary>
    public static int HostPortOf(IResource resource, string endpointName) =>
        resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == endpointName)
            .AllAllocatedEndpoints.Single(e => e.NetworkID == KnownNetworkIdentifiers.LocalhostNetwork).Snapshot.GetValueAsync().Result.Port;

    private static async Task<Dictionary<string, string>> EnvironmentAsync(IResource resource, DistributedApplicationExecutionContext context)
    {
        var result = await ExecutionConfigurationBuilder.Create(resource).WithEnvironmentVariablesConfig()
            .BuildAsync(context, NullLogger.Instance, CancellationToken.None);
        if (result.Exception is { } exception)
        {
            throw new InvalidOperationException($"The environment of {resource.Name} did not resolve", exception);
        }

        return result.EnvironmentVariables.ToDictionary(pair => pair.Key, pair => pair.Value);
    }
}

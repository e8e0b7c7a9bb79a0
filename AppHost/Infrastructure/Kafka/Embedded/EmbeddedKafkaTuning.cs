namespace HpcAspire.AppHost.Infrastructure.Kafka.Embedded;

internal static class EmbeddedKafkaTuning
{
    /// <summary>
    /// Consumer settings for the embedded cluster: its brokers answer an empty fetch only after the
    /// whole fetch.wait.max.ms (500 ms by default), which would be the pipeline's latency per hop.
    /// Real brokers answer as soon as data arrives and keep the defaults.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithEmbeddedKafkaTuning(this IResourceBuilder<ProjectResource> service, InfrastructureSettings infrastructure) =>
        infrastructure.Mode == InfrastructureMode.Embedded
            ? service.WithEnvironment("Messaging__Kafka__Consumer__fetch.wait.max.ms", "20")
            : service;
}

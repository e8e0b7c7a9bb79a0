namespace HpcAspire.AppHost.Infrastructure.Kafka.Embedded;

internal static class EmbeddedKafkaTuning
{
    /// <summary>
    /// Consumer settings for the embedded cluster: its brokers answer an empty fetch only after the
    /// whole fetch.wait.max.ms (500 ms by default), which would be the pipeline's latency per hop. 5 ms costs an idle
    /// consumer 200 empty fetches a second per broker and puts 2.5 ms on a hop on average (20 ms put 10 ms).
    /// Real brokers answer as soon as data arrives and keep the defaults.
    /// And fetch.error.backoff.ms 20 instead of 500: a position that falls out of the cluster's 5 MiB per partition is
    /// reset to the log's start as last reported, and at 50,000 readings/s that start moves on by 4,000 readings a
    /// partition in 500 ms, so every fetch after a reset was out of range again and the processor wrote nothing.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithEmbeddedKafkaTuning(this IResourceBuilder<ProjectResource> service, InfrastructureSettings infrastructure) =>
        infrastructure.Mode == InfrastructureMode.Embedded
            ? service.WithEnvironment("Messaging__Kafka__Consumer__fetch.wait.max.ms", "5")
                .WithEnvironment("Messaging__Kafka__Consumer__fetch.error.backoff.ms", "20")
            : service;

    /// <summary>
    /// The processor's offsets committed to its group as well as to its transactions (Processor:CommitGroupOffsets):
    /// the embedded cluster drops transactional offsets, and without the group's offsets it could neither show the
    /// processor's lag nor delete the readings it has read (Kafka:TrimConsumed).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithEmbeddedGroupOffsets(this IResourceBuilder<ProjectResource> processor, InfrastructureSettings infrastructure) =>
        infrastructure.Mode == InfrastructureMode.Embedded
            ? processor.WithEnvironment("Processor__CommitGroupOffsets", "true")
            : processor;
}

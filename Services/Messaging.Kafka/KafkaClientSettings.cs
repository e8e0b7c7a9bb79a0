using Confluent.Kafka;

namespace HpcAspire.Messaging.Kafka;

/// <summary>
/// Settings of one Kafka client, bound from <c>Messaging:Kafka</c> (and its Producer / Consumer
/// sections); the brokers come from <c>ConnectionStrings:&lt;name&gt;</c>, the registry from
/// <c>ConnectionStrings:schema-registry</c>.
/// </summary>
public sealed class KafkaClientSettings
{
    public const string SectionName = "Messaging:Kafka";

    /// <summary>
    /// The producers' compression unless <c>Producer:compression.type</c> says otherwise. A reading in a batch takes
    /// 80 bytes instead of 146 (<c>Tests/Benchmarks -- compression</c>) for 3–4 % of a producer's CPU: fewer bytes
    /// through every broker and consumer, and 1.8 times the messages in the same retention.
    /// </summary>
    public const Confluent.Kafka.CompressionType DefaultCompression = Confluent.Kafka.CompressionType.Lz4;

    /// <summary>
    /// How much a consumer fetches ahead, unless <c>Consumer:queued.max.messages.kbytes</c> says otherwise: 16 MiB,
    /// three seconds of readings at 50,000/s, instead of librdkafka's 64 MiB. A consumer that is behind fills its
    /// queue to the limit, in native memory outside the GC's view, and the services have 300 MB each.
    /// </summary>
    public const int DefaultQueuedMaxMessagesKbytes = 16 * 1024;

    /// <summary>
    /// What every producer of the application gets where neither configuration nor its caller said otherwise:
    /// idempotent, <c>acks=all</c>, 1 ms to fill a batch (each generator tick and each drain of the processor's join is a
    /// burst that fills its batches at once, so waiting longer only adds to every hop of a live stream's latency: 5 ms
    /// cost 4 ms a hop, 50 ms cost 50), LZ4, and delivery reports with only their status (the typed
    /// producer hands back the key and value it was given; marshalling fields back from librdkafka, each message's
    /// trace-context header and key, cost allocations per message).
    /// </summary>
    public static void ApplyProducerDefaults(ProducerConfig config)
    {
        config.EnableIdempotence ??= true;
        config.Acks ??= Confluent.Kafka.Acks.All;
        config.LingerMs ??= 1;
        config.DeliveryReportFields ??= "status";
        config.CompressionType ??= DefaultCompression;
    }

    /// <summary>
    /// What every consumer of the application gets where neither configuration nor its caller said otherwise: offsets
    /// committed only by the service, from the earliest, <c>read_committed</c>, and at most 16 MiB fetched ahead.
    /// </summary>
    public static void ApplyConsumerDefaults(ConsumerConfig config)
    {
        config.EnableAutoCommit ??= false;
        config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
        config.IsolationLevel ??= IsolationLevel.ReadCommitted;
        config.QueuedMaxMessagesKbytes ??= DefaultQueuedMaxMessagesKbytes;
    }

    public string? BootstrapServers { get; set; }

    public string? SchemaRegistryUrl { get; set; }

    /// <summary>How often librdkafka reports statistics, which become OTel metrics; 0 turns them off.</summary>
    public int StatisticsIntervalMs { get; set; } = 5_000;

    public bool DisableHealthChecks { get; set; }

    /// <summary>librdkafka properties for producers (e.g. <c>linger.ms</c>), applied over the defaults.</summary>
    public Dictionary<string, string> Producer { get; set; } = [];

    /// <summary>librdkafka properties for consumers (e.g. <c>fetch.wait.max.ms</c>), applied over the defaults.</summary>
    public Dictionary<string, string> Consumer { get; set; } = [];

    internal string RequireBootstrapServers(string connectionName) =>
        string.IsNullOrWhiteSpace(BootstrapServers)
            ? throw new InvalidOperationException(
                $"No Kafka brokers for '{connectionName}': set ConnectionStrings:{connectionName} (the AppHost does this with WithReference) or {SectionName}:BootstrapServers.")
            : BootstrapServers;

    internal string RequireSchemaRegistryUrl() =>
        string.IsNullOrWhiteSpace(SchemaRegistryUrl)
            ? throw new InvalidOperationException(
                $"No Schema Registry: set ConnectionStrings:{Microsoft.Extensions.Hosting.KafkaHostingExtensions.SchemaRegistryConnectionName} (the AppHost does this with WithReference) or {SectionName}:SchemaRegistryUrl.")
            : SchemaRegistryUrl;
}

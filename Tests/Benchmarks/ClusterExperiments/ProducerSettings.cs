using Confluent.Kafka;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// A producer's durability settings. Batching is the raw benchmark's (linger.ms=5, no compression: the ids make
/// the payload random), not the application's 50 ms and LZ4, so acks and replication, not batching, set latency.
/// </summary>
internal sealed record ProducerSettings(Acks Acks, bool Idempotence)
{
    /// <summary>The application's producers: idempotent, acks=all.</summary>
    public static readonly ProducerSettings Application = new(Acks.All, Idempotence: true);

    /// <summary>Every combination librdkafka accepts: idempotence requires acks=all.</summary>
    public static readonly IReadOnlyList<ProducerSettings> Durabilities =
        [new(Acks.None, false), new(Acks.Leader, false), new(Acks.All, false), new(Acks.All, true)];

    public string AcksLabel => Acks switch { Acks.None => "0", Acks.Leader => "1", _ => "all" };

    public string Label => $"acks={AcksLabel}{(Idempotence ? " idempotent" : "")}";

    public ProducerConfig ToConfig(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        Acks = Acks,
        EnableIdempotence = Idempotence,
        LingerMs = 5,
        CompressionType = CompressionType.None,
    };
}

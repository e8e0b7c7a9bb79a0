namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>
/// The RabbitMQ transport's settings, bound from <c>Messaging:RabbitMQ</c>. Publishers and consumers of one
/// application must agree on <see cref="ReadingShards"/> and <see cref="DeliveryLimit"/>: they are part of the
/// queues' declared arguments, and a queue redeclared with other arguments is refused by the broker.
/// </summary>
public sealed class RabbitMQTransportSettings
{
    public const string SectionName = "Messaging:RabbitMQ";

    /// <summary>Quorum queues the readings are sharded into (<c>readings.shard-0</c> …), so each node's readings keep their order on one queue.</summary>
    public int ReadingShards { get; set; } = 4;

    /// <summary>
    /// Unacked messages the broker sends each consumer of a queue of single messages (job events, energy shares)
    /// ahead of its acks (basic.qos); chosen by the raw benchmark.
    /// </summary>
    public ushort Prefetch { get; set; } = 2_000;

    /// <summary>
    /// The prefetch of the queues whose messages are batches (the reading shards, the sink's results): each message may
    /// hold <see cref="RecordsPerMessage"/> records, so a consumer holds up to this times that many unacked.
    /// </summary>
    public ushort BatchPrefetch { get; set; } = 64;

    /// <summary>The most records one batch message holds: a generator's readings of one shard and tick, a processor's enriched readings.</summary>
    public int RecordsPerMessage { get; set; } = 500;

    /// <summary>
    /// Deliveries a quorum queue makes of one message before it dead-letters it. Returns count, and so does every
    /// message a session had unacked when it ended, so this leaves room for broker restarts as well as failing handlers.
    /// </summary>
    public int DeliveryLimit { get; set; } = 20;

    /// <summary>
    /// Processor replicas of the application: every service declares each replica's job-event and energy-share queues,
    /// so no job event is published before a replica's queue exists.
    /// </summary>
    public int Processors { get; set; } = 1;

    /// <summary>Messages a publisher keeps awaiting their confirms; a full window makes the next publish wait.</summary>
    public int PublishWindow { get; set; } = 2_000;

    /// <summary>
    /// How long a publisher waits for one message's confirm before it counts the message as failed and replaces its
    /// channel. A confirm normally takes milliseconds; one that never comes (a publish racing a connection loss can be
    /// left tracked on the dead channel) would otherwise hold the publisher's flush, and the checkpoint waiting on it,
    /// for ever. A failed message makes the checkpoint fail, and the session starts again from the last one.
    /// </summary>
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(15);

    internal void Validate()
    {
        if (ReadingShards < 1)
        {
            throw new InvalidOperationException($"{SectionName}:ReadingShards must be at least 1; it is {ReadingShards}.");
        }

        if (Prefetch < 1)
        {
            throw new InvalidOperationException($"{SectionName}:Prefetch must be at least 1 (0 would mean unlimited); it is {Prefetch}.");
        }

        if (BatchPrefetch < 1)
        {
            throw new InvalidOperationException($"{SectionName}:BatchPrefetch must be at least 1 (0 would mean unlimited); it is {BatchPrefetch}.");
        }

        if (RecordsPerMessage < 1)
        {
            throw new InvalidOperationException($"{SectionName}:RecordsPerMessage must be at least 1; it is {RecordsPerMessage}.");
        }

        if (Processors < 1)
        {
            throw new InvalidOperationException($"{SectionName}:Processors must be at least 1; it is {Processors}.");
        }

        if (DeliveryLimit < 1)
        {
            throw new InvalidOperationException($"{SectionName}:DeliveryLimit must be at least 1; it is {DeliveryLimit}.");
        }

        if (PublishWindow < 1)
        {
            throw new InvalidOperationException($"{SectionName}:PublishWindow must be at least 1; it is {PublishWindow}.");
        }

        if (ConfirmTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{SectionName}:ConfirmTimeout must be positive (e.g. 00:00:15); it is {ConfirmTimeout}.");
        }
    }
}

using System.Globalization;
using RabbitMQ.Client;

namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>
/// The application's exchanges, queues and bindings on RabbitMQ, declared idempotently by whoever starts first:
/// <code>
/// generators ─▶ hpc.telemetry (topic) ─ readings.shard-&lt;s&gt; ─▶ readings.shard-&lt;s&gt;, s = 0 … S-1   (quorum, single active consumer)
///                     └─ job.* + scheduler.clock ──────────▶ job-events.processor-&lt;i&gt;           (quorum, one per processor instance)
/// processor ─▶ hpc.energy-parts (direct) ─ processor-&lt;j&gt; ─▶ energy-parts.processor-&lt;j&gt;  (quorum; j owns the job)
/// processor ─▶ hpc.results (topic) ─ # ─▶ sink.results (quorum)
/// any queue's rejected or over-delivered message, and any message a service dead-letters ─▶ hpc.dead-letter (fanout) ─▶ hpc.dead-letters
/// </code>
/// A node's readings all go to one shard (<see cref="ReadingShard"/>, a stable hash of the node), in batches: one
/// message holds a tick's readings of the shard's nodes (<see cref="RabbitMQTransportSettings.RecordsPerMessage"/>
/// at most), routed by the shard's key, and a quorum queue with a single active consumer hands them out in order:
/// per-node order holds whatever the number of processor replicas, and across broker restarts. (The consistent-hash
/// exchange, the first choice, rebuilds its hash ring when the broker restarts and may then send a node to another
/// shard: its redelivered readings and its new ones were read from two queues, out of order.) Every processor instance needs every
/// job's allocation, so job events fan out to one queue per instance; the scheduler clock travels in that same
/// queue, after the job events of its tick, so one clock message per tick is enough (Kafka needs one per partition).
/// A job's nodes may belong to several instances; each sends its nodes' shares of the job's energy to the instance
/// that owns the job (<see cref="JobOwner"/>), which adds them up: the repartition of the Kafka application.
/// </summary>
public sealed class HpcTopology(RabbitMQTransportSettings settings)
{
    // Formatted once per shard rather than once per message.
    private readonly string[] _shardQueues = [.. Enumerable.Range(0, settings.ReadingShards).Select(ReadingShardQueue)];

    public const string TelemetryExchange = "hpc.telemetry";
    public const string ResultsExchange = "hpc.results";
    public const string EnergyPartsExchange = "hpc.energy-parts";
    public const string DeadLetterExchange = "hpc.dead-letter";
    public const string DeadLetterQueue = "hpc.dead-letters";
    public const string SinkQueue = "sink.results";

    public const string JobEventBinding = "job.*";
    public const string SchedulerClockKey = "scheduler.clock";

    /// <summary>
    /// Result routing keys: <c>enriched-readings.processor-&lt;i&gt;</c> for a batch of enriched readings from processor
    /// instance i, <c>job-energy.&lt;job&gt;</c>.
    /// </summary>
    public const string EnrichedReadingKeyPrefix = "enriched-reading";
    public const string JobEnergyKeyPrefix = "job-energy.";

    public int ReadingShards => settings.ReadingShards;

    public int Processors => settings.Processors;

    /// <summary>A batch of readings of shard <paramref name="shard"/>'s nodes: <c>readings.shard-&lt;s&gt;</c>, the name of the shard's queue.</summary>
    public string ReadingShardKey(int shard) => _shardQueues[shard];

    /// <summary>A job event: <c>job.&lt;state&gt;</c>, e.g. <c>job.started</c>.</summary>
    public static string JobEventKey(string state) => $"job.{state.ToLowerInvariant()}";

    public static string EnrichedReadingsKey(int processorInstance) => $"{EnrichedReadingKeyPrefix}s.processor-{processorInstance.ToString(CultureInfo.InvariantCulture)}";

    public static string JobEnergyKey(string jobId) => JobEnergyKeyPrefix + jobId;

    public static string EnergyPartsQueue(int processorInstance) => $"energy-parts.processor-{processorInstance.ToString(CultureInfo.InvariantCulture)}";

    public static string EnergyPartsKey(int processorInstance) => $"processor-{processorInstance.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The processor instance that assembles a job's energy: a stable hash of its id.</summary>
    public static int JobOwner(string jobId, int instances) => StableBucket(jobId, instances);

    /// <summary>The shard of a node's readings: a stable hash of its id, the same in every process and after every restart.</summary>
    public static int ReadingShard(string nodeId, int shards) => StableBucket(nodeId, shards);

    /// <summary>
    /// Splits <paramref name="records"/> into the batch messages that carry them: grouped by their node's shard, in
    /// their order within each shard, at most <see cref="RabbitMQTransportSettings.RecordsPerMessage"/> per batch.
    /// </summary>
    public IEnumerable<(int Shard, List<T> Batch)> BatchesByShard<T>(IEnumerable<T> records, Func<T, string> nodeOf)
    {
        var open = new List<T>?[settings.ReadingShards];
        foreach (var record in records)
        {
            var shard = ReadingShard(nodeOf(record), settings.ReadingShards);
            var batch = open[shard] ??= new List<T>(Math.Min(settings.RecordsPerMessage, 1_024));
            batch.Add(record);
            if (batch.Count == settings.RecordsPerMessage)
            {
                yield return (shard, batch);
                open[shard] = null;
            }
        }

        for (var shard = 0; shard < open.Length; shard++)
        {
            if (open[shard] is { } rest)
            {
                yield return (shard, rest);
            }
        }
    }

    // FNV-1a: string.GetHashCode differs from process to process.
    private static int StableBucket(string key, int buckets)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)buckets);
    }

    public static string ReadingShardQueue(int shard) => $"readings.shard-{shard.ToString(CultureInfo.InvariantCulture)}";

    public static string JobEventsQueue(int processorInstance) => $"job-events.processor-{processorInstance.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The shards processor <paramref name="instance"/> of <paramref name="instances"/> consumes: every instances-th one.</summary>
    public IEnumerable<int> ReadingShardsOf(int instance, int instances) =>
        Enumerable.Range(0, settings.ReadingShards).Where(shard => shard % instances == instance);

    /// <summary>The queues of <see cref="ReadingShardsOf"/>.</summary>
    public IEnumerable<string> ReadingShardQueuesOf(int instance, int instances) => ReadingShardsOf(instance, instances).Select(ReadingShardQueue);

    /// <summary>
    /// Declares everything, the queues of every processor replica included. Declaring what exists with the same arguments is a
    /// no-op, so every service may call this at start; a queue that exists with other arguments makes the broker refuse.
    /// </summary>
    public async Task DeclareAsync(IConnection connection, CancellationToken cancellationToken = default)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);

        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(DeadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(DeadLetterQueue, DeadLetterExchange, routingKey: "", cancellationToken: cancellationToken);

        await channel.ExchangeDeclareAsync(TelemetryExchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken);

        foreach (var queue in _shardQueues)
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
                arguments: WorkQueueArguments(singleActiveConsumer: true), cancellationToken: cancellationToken);
            await channel.QueueBindAsync(queue, TelemetryExchange, routingKey: queue, cancellationToken: cancellationToken);
        }

        await channel.ExchangeDeclareAsync(EnergyPartsExchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        foreach (var instance in Enumerable.Range(0, settings.Processors))
        {
            await DeclareProcessorQueuesAsync(channel, instance, cancellationToken);
        }

        await channel.ExchangeDeclareAsync(ResultsExchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(SinkQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: WorkQueueArguments(singleActiveConsumer: false), cancellationToken: cancellationToken);
        await channel.QueueBindAsync(SinkQueue, ResultsExchange, "#", cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Processor <paramref name="instance"/>'s own queues: every job event and scheduler clock, and the energy shares
    /// of the jobs it owns. Durable, so a restarted instance misses none; declared by every service for every replica
    /// (<see cref="RabbitMQTransportSettings.Processors"/>), so they exist before the first job event is published.
    /// </summary>
    private async Task DeclareProcessorQueuesAsync(IChannel channel, int instance, CancellationToken cancellationToken)
    {
        var jobEvents = JobEventsQueue(instance);
        var energyParts = EnergyPartsQueue(instance);
        await channel.QueueDeclareAsync(jobEvents, durable: true, exclusive: false, autoDelete: false,
            arguments: WorkQueueArguments(singleActiveConsumer: true), cancellationToken: cancellationToken);
        await channel.QueueBindAsync(jobEvents, TelemetryExchange, JobEventBinding, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(jobEvents, TelemetryExchange, SchedulerClockKey, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(energyParts, durable: true, exclusive: false, autoDelete: false,
            arguments: WorkQueueArguments(singleActiveConsumer: true), cancellationToken: cancellationToken);
        await channel.QueueBindAsync(energyParts, EnergyPartsExchange, EnergyPartsKey(instance), cancellationToken: cancellationToken);
    }

    /// <summary>
    /// A durable quorum queue whose poison messages go to the dead-letter exchange: rejected ones, and any delivered
    /// more than <see cref="RabbitMQTransportSettings.DeliveryLimit"/> times. At-least-once dead-lettering (the broker
    /// keeps the message until the dead-letter queue has it) needs overflow reject-publish.
    /// </summary>
    private Dictionary<string, object?> WorkQueueArguments(bool singleActiveConsumer)
    {
        var arguments = new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-dead-letter-exchange"] = DeadLetterExchange,
            ["x-delivery-limit"] = settings.DeliveryLimit,
            ["x-dead-letter-strategy"] = "at-least-once",
            ["x-overflow"] = "reject-publish",
        };
        if (singleActiveConsumer)
        {
            arguments["x-single-active-consumer"] = true;
        }

        return arguments;
    }
}

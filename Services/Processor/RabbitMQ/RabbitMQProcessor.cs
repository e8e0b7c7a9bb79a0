using System.Diagnostics;
using Confluent.SchemaRegistry;
using HpcAspire.Contracts;
using HpcAspire.Framing;
using HpcAspire.Messaging;
using HpcAspire.Messaging.RabbitMQ;
using HpcAspire.Processor.Core;
using RabbitMQ.Client;

namespace HpcAspire.Processor.RabbitMQ;

/// <summary>
/// The processor on RabbitMQ: <see cref="ProcessorCore"/> fed from this instance's reading shards, its own queue of
/// every job event and scheduler clock, and its queue of the energy shares of the jobs it owns. There is no
/// transaction to put outputs, state and positions in together, so a checkpoint does it in order: every output
/// confirmed by the broker, then the state file replaced, then the inputs acked. A crash before the ack redelivers
/// inputs the saved state may already hold; they are recognised (redelivered, and not after what the state has seen)
/// and skipped, and the outputs they gave may reach the sink twice, which skips results it already wrote.
/// </summary>
internal sealed class RabbitMQProcessor : RabbitMQConsumer
{
    private const int ReadyReadingsPerDrain = 256;
    private const int SharesInput = 0; // one queue of shares: the jobs this instance owns

    private readonly ProcessorOptions _options;
    private readonly IReadOnlySet<string> _nodes;
    private readonly ISchemaRegistryClient _registry;
    private readonly RabbitMQPublisher _publisher;
    private readonly ProcessorStateFile _stateFile;
    private readonly ProcessorMetrics _metrics;
    private readonly AvroBatchWriter<EnrichedReading> _enrichedWriter;
    private readonly string _enrichedKey;
    private readonly AvroRecordWriter<JobEnergyPart> _partWriter;
    private readonly AvroRecordWriter<JobEnergy> _energyWriter;
    private readonly string _jobEventsQueue;
    private readonly string _partsQueue;
    private readonly Dictionary<string, int> _shardOfQueue;

    private ProcessorCore _core = null!;
    private ReceivedMessage? _lastHandled;
    private int _messagesSinceCheckpoint;
    private readonly Stopwatch _sinceCheckpointClock = Stopwatch.StartNew();

    public RabbitMQProcessor(RabbitMQConsumerContext context, RabbitMQPublisher publisher, ProcessorSettings settings, ISchemaRegistryClient registry,
        ProcessorMetrics metrics)
        : base(context, ProcessorOptions.GroupId, QueuesOf(context.Topology, settings.Options))
    {
        _options = settings.Options;
        _nodes = settings.Nodes;
        _registry = registry;
        _publisher = publisher;
        _stateFile = new ProcessorStateFile(settings.Options.StateDirectory, settings.Options.InstanceId);
        _metrics = metrics;
        _enrichedWriter = new AvroBatchWriter<EnrichedReading>(registry);
        _enrichedKey = HpcTopology.EnrichedReadingsKey(_options.InstanceId);
        _partWriter = new AvroRecordWriter<JobEnergyPart>(registry);
        _energyWriter = new AvroRecordWriter<JobEnergy>(registry);
        _jobEventsQueue = HpcTopology.JobEventsQueue(_options.InstanceId);
        _shardOfQueue = context.Topology.ReadingShardsOf(_options.InstanceId, _options.Instances).ToDictionary(HpcTopology.ReadingShardQueue);
        _partsQueue = HpcTopology.EnergyPartsQueue(_options.InstanceId);
    }

    /// <summary>Reading shards carry batches: their prefetch counts batch messages.</summary>
    protected override ushort PrefetchOf(string queue) => _shardOfQueue.ContainsKey(queue) ? Transport.BatchPrefetch : Transport.Prefetch;

    protected override TimeSpan CheckpointInterval => TimeSpan.FromMilliseconds(_options.CheckpointMilliseconds / 4.0);

    private static IReadOnlyList<string> QueuesOf(HpcTopology topology, ProcessorOptions options) =>
        [HpcTopology.JobEventsQueue(options.InstanceId), HpcTopology.EnergyPartsQueue(options.InstanceId),
            .. topology.ReadingShardQueuesOf(options.InstanceId, options.Instances)];

    protected override Task PrepareAsync(IConnection connection, CancellationToken cancellationToken)
    {
        if (Topology.Processors != _options.Instances)
        {
            throw new InvalidOperationException(
                $"Processor:Instances is {_options.Instances} but Messaging:RabbitMQ:Processors is {Topology.Processors}; every RabbitMQ service must be told the same replica count (the AppHost sets both from RabbitMQ:Processors).");
        }

        if (Topology.ReadingShards < _options.Instances)
        {
            Logger.LogWarning("{Instances} processor instances share {Shards} reading shards: instances {From} and above get no readings",
                _options.Instances, Topology.ReadingShards, Topology.ReadingShards);
        }

        return Task.CompletedTask;
    }

    /// <summary>Back to the last checkpoint: a new core with the saved state, and every message after it comes again.</summary>
    protected override Task OnSessionStartAsync(CancellationToken cancellationToken)
    {
        _core = new ProcessorCore(_options, _nodes, clocks: 1, batches: true, _registry, _metrics, Telemetry.Stages);
        _lastHandled = null;
        _messagesSinceCheckpoint = 0;
        var state = _stateFile.Load();
        foreach (var nodes in state?.Nodes.GroupBy(n => HpcTopology.ReadingShard(n.Node, Topology.ReadingShards)) ?? [])
        {
            _core.ImportNodes(nodes.Key, nodes);
        }

        if (state?.Clock is { } clock)
        {
            _core.AddClock(0, clock);
        }

        _core.AssignShares(SharesInput, state?.PendingParts ?? []);
        if (state is not null)
        {
            Logger.LogInformation("Restored the state of {Nodes} nodes up to scheduler time {Clock:O} and {Parts} pending energy shares from {File}",
                state.Nodes.Count, state.Clock, state.PendingParts.Count, _stateFile.Path);
        }

        return Task.CompletedTask;
    }

    protected override async Task HandleAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        if (message.Queue == _jobEventsQueue)
        {
            if (RabbitMQSchedulerClock.Read(message) is { } clock)
            {
                _core.AddClock(0, clock);
                _core.Drain();
            }
            else
            {
                await _core.JobEventsAsync(message.Queue, message.Body.ToArray());
            }
        }
        else if (message.Queue == _partsQueue)
        {
            await _core.EnergySharesAsync(SharesInput, message.Queue, message.Body.ToArray(), default);
        }
        else
        {
            var shard = _shardOfQueue[message.Queue];
            // The enriched records continue the trace from this batch's process span.
            await _core.ReadingsAsync(shard, message.Queue, message.Body.ToArray(), MessageTrace.Of(Activity.Current), r => Misplaced(r, shard, message.Queue));
            if (_core.ReadyReadings >= ReadyReadingsPerDrain)
            {
                _core.Drain(); // readings behind the watermark already: drained in batches rather than one by one
            }
        }

        await SendAsync(message, cancellationToken);
        _lastHandled = message;
        // A checkpoint writes the state of every node, so it waits for its timer (CheckpointMilliseconds) unless the
        // broker is about to stop delivering for want of acks. Outputs go out as they are made either way: the interval
        // bounds the work redone after a crash, not latency.
        if (++_messagesSinceCheckpoint >= MessagesBeforeCheckpoint(Transport.BatchPrefetch, _shardOfQueue.Count))
        {
            await CheckpointAsync(cancellationToken);
        }
    }

    protected override Task OnCheckpointDueAsync(CancellationToken cancellationToken) =>
        _sinceCheckpointClock.ElapsedMilliseconds >= _options.CheckpointMilliseconds ? CheckpointAsync(cancellationToken) : Task.CompletedTask;

    // Its node's other readings are on another queue: joined here, its order among them would be chance.
    private string? Misplaced(NodeReading reading, int shard, string queue) =>
        HpcTopology.ReadingShard(reading.NodeId, Topology.ReadingShards) is var nodeShard && nodeShard != shard
            ? $"Reading of {reading.NodeId} at {reading.Timestamp:O} came on {queue}; its node's shard is {HpcTopology.ReadingShardQueue(nodeShard)}."
            : null;

    /// <summary>
    /// Everything in the core's outbox, published (confirmed by the next checkpoint): enriched readings in batches to the
    /// sink, shares to their job's owner, job energies to the sink; its rejections dead-letter <paramref name="source"/>.
    /// </summary>
    private async Task SendAsync(ReceivedMessage? source, CancellationToken cancellationToken)
    {
        var outbox = _core.Outbox;
        if (outbox.IsEmpty)
        {
            return;
        }

        foreach (var (reason, error, record) in outbox.Rejections)
        {
            // Invalid in the domain, and maybe a copy of a message the state already holds: then it is no news.
            if (reason is DeadLetterReason.InvalidReading or DeadLetterReason.InvalidJobEvent && RabbitMQRetries.MayBeCopy(source!))
            {
                Logger.LogDebug("Skipped a copy from {Queue}: {Problem}", source!.Queue, error);
                _metrics.CopiesSkipped.Add(1);
                continue;
            }

            await DeadLetterAsync(source!, reason, error, record, cancellationToken);
        }

        foreach (var chunk in outbox.EnrichedReadings.Chunk(Transport.RecordsPerMessage))
        {
            // A batch continues the trace of its first reading that has one (a sampled reading's batch).
            var parent = chunk.FirstOrDefault(e => !e.Trace.IsEmpty).Trace.Recorded;
            EnrichedReading[] readings = [.. chunk.Select(e => e.Reading)];
            await _publisher.PublishAsync(HpcTopology.ResultsExchange, _enrichedKey,
                async () => await _enrichedWriter.WriteAsync(readings, AvroSubjects.EnrichedReadingBatches), parent, cancellationToken: cancellationToken);
        }

        foreach (var share in outbox.EnergyShares)
        {
            var owner = HpcTopology.JobOwner(share.JobId, _options.Instances);
            await _publisher.PublishAsync(HpcTopology.EnergyPartsExchange, HpcTopology.EnergyPartsKey(owner),
                async () => await _partWriter.WriteAsync(share, AvroSubjects.JobEnergyParts), cancellationToken: cancellationToken);
        }

        foreach (var (energy, _) in outbox.JobEnergies)
        {
            await _publisher.PublishAsync(HpcTopology.ResultsExchange, HpcTopology.JobEnergyKey(energy.JobId),
                async () => await _energyWriter.WriteAsync(energy, AvroSubjects.JobEnergy), cancellationToken: cancellationToken);
        }

        outbox.Clear();
    }

    /// <summary>Outputs confirmed, then the state durable, then the inputs acked; anything failing takes the session back to the last checkpoint.</summary>
    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        _sinceCheckpointClock.Restart();
        if (await CheckpointThroughAsync(_lastHandled, SaveAsync, cancellationToken))
        {
            _lastHandled = null;
            _messagesSinceCheckpoint = 0;
            _metrics.Transactions.Add(1);
        }
    }

    /// <summary>Every output so far confirmed by the broker, then the state replaced on disk; false when the outputs were not confirmed.</summary>
    private async Task<bool> SaveAsync(CancellationToken cancellationToken)
    {
        if (_core.ReadyReadings > 0)
        {
            _core.Drain();
            await SendAsync(source: null, cancellationToken);
        }

        try
        {
            await _publisher.FlushAsync(cancellationToken);
        }
        catch (RabbitMQPublishException ex)
        {
            await RestartSessionAsync($"outputs were not confirmed ({ex.Message})");
            return false;
        }

        _stateFile.Save(new ProcessorState(_core.Clocks.TryGetValue(0, out var clock) ? clock : null, _core.ExportEveryNode(), _core.PendingShares(SharesInput)));
        return true;
    }
}

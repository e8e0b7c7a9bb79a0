using System.Diagnostics;
using Confluent.SchemaRegistry;
using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;
using HpcAspire.Framing;
using HpcAspire.Messaging;
using HpcAspire.Messaging.RabbitMQ;
using RabbitMQ.Client;

namespace HpcAspire.Processor.RabbitMQ;

/// <summary>
/// The processor on RabbitMQ: the same join, statistics, anomaly rules and energy assembly as on Kafka, fed from this
/// instance's reading shards, its own queue of every job event and scheduler clock, and its queue of the energy shares
/// of the jobs it owns. There is no transaction to put outputs, state and positions in together, so a checkpoint
/// does it in order: every output confirmed by the broker, then the state file replaced, then the inputs acked. A
/// crash before the ack redelivers inputs the saved state may already hold; they are recognised (redelivered, and
/// not after what the state has seen) and skipped, and the outputs they gave may reach the sink twice, which skips
/// results it already wrote.
/// </summary>
internal sealed class RabbitMQProcessor : RabbitMQConsumer
{
    private const int ReadyReadingsPerDrain = 256;

    private readonly ProcessorOptions _options;
    private readonly IReadOnlySet<string> _nodes;
    private readonly RabbitMQPublisher _publisher;
    private readonly ProcessorStateFile _stateFile;
    private readonly ProcessorMetrics _metrics;
    private readonly PipelineStages _stages;
    private readonly AvroMessageDecoder<NodeReading> _readingDecoder;
    private readonly AvroMessageDecoder<JobEvent> _jobEventDecoder;
    private readonly AvroMessageDecoder<JobEnergyPart> _partDecoder;
    private readonly AvroBatchWriter<EnrichedReading> _enrichedWriter;
    private readonly string _enrichedKey;
    private readonly AvroRecordWriter<JobEnergyPart> _partWriter;
    private readonly AvroRecordWriter<JobEnergy> _energyWriter;
    private readonly string _jobEventsQueue;
    private readonly string _partsQueue;
    private readonly Dictionary<string, int> _shardOfQueue;

    // The trace of each sampled reading still waiting for the watermark: its enriched record continues it.
    private readonly Dictionary<(string Node, DateTime At), ActivityContext> _readingTraces = [];
    private NodeTelemetryJoin _join = null!;
    private JobEnergyAssembler _assembler = new();
    private ReceivedMessage? _lastHandled;
    private int _messagesSinceCheckpoint;
    private int _readyReadings;
    private readonly Stopwatch _sinceCheckpointClock = Stopwatch.StartNew();
    private long _loopStartedAt = PipelineStages.Now();

    public RabbitMQProcessor(RabbitMQConsumerContext context, RabbitMQPublisher publisher, ProcessorSettings settings, ISchemaRegistryClient registry,
        ProcessorMetrics metrics)
        : base(context, ProcessorOptions.GroupId, QueuesOf(context.Topology, settings.Options))
    {
        _options = settings.Options;
        _nodes = settings.Nodes;
        _publisher = publisher;
        _stateFile = new ProcessorStateFile(settings.Options.StateDirectory, settings.Options.InstanceId);
        _metrics = metrics;
        _stages = Telemetry.Stages;
        _readingDecoder = new AvroMessageDecoder<NodeReading>(registry);
        _jobEventDecoder = new AvroMessageDecoder<JobEvent>(registry);
        _partDecoder = new AvroMessageDecoder<JobEnergyPart>(registry);
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

    /// <summary>Back to the last checkpoint: every message after it comes again.</summary>
    protected override Task OnSessionStartAsync(CancellationToken cancellationToken)
    {
        _join = new NodeTelemetryJoin(1, _nodes);
        _assembler = new JobEnergyAssembler();
        _readingTraces.Clear();
        _lastHandled = null;
        _messagesSinceCheckpoint = 0;
        _readyReadings = 0;
        if (_stateFile.Load() is { } state)
        {
            foreach (var node in state.Nodes)
            {
                _join.ImportNode(node);
            }

            if (state.Clock is { } clock)
            {
                _join.AddClock(0, clock);
            }

            foreach (var part in state.PendingParts)
            {
                _assembler.Add(part);
            }

            Logger.LogInformation("Restored the state of {Nodes} nodes up to scheduler time {Clock:O} and {Parts} pending energy shares from {File}",
                state.Nodes.Count, state.Clock, state.PendingParts.Count, _stateFile.Path);
        }

        return Task.CompletedTask;
    }

    protected override async Task HandleAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        if (message.Queue == _jobEventsQueue)
        {
            await HandleJobEventAsync(message, cancellationToken);
        }
        else if (message.Queue == _partsQueue)
        {
            await HandleEnergyPartAsync(message, cancellationToken);
        }
        else
        {
            await HandleReadingsAsync(message, _shardOfQueue[message.Queue], cancellationToken);
        }

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

    private async Task HandleJobEventAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        if (RabbitMQSchedulerClock.Read(message) is { } clock)
        {
            _join.AddClock(0, clock);
            await DrainAsync(cancellationToken);
            return;
        }

        if (await DecodeAsync(_jobEventDecoder, message, cancellationToken) is not { } jobEvents)
        {
            return;
        }

        for (var i = 0; i < jobEvents.Count; i++)
        {
            if (_join.AddJobEvent(jobEvents[i]) is { } problem)
            {
                await RejectAsync(message, DeadLetterReason.InvalidJobEvent, problem, jobEvents.Count > 1 ? i : null, cancellationToken);
            }
        }
    }

    /// <summary>A batch of readings of one shard's nodes (or, from earlier versions, one reading), each joined in turn.</summary>
    private async Task HandleReadingsAsync(ReceivedMessage message, int shard, CancellationToken cancellationToken)
    {
        if (await DecodeAsync(_readingDecoder, message, cancellationToken) is not { } readings)
        {
            return;
        }

        // The enriched records continue the trace from this batch's process span.
        var trace = Activity.Current is { Recorded: true } process ? process.Context : default;
        for (var i = 0; i < readings.Count; i++)
        {
            var reading = readings[i];
            int? record = readings.Count > 1 ? i : null;
            if (HpcTopology.ReadingShard(reading.NodeId, Topology.ReadingShards) is var nodeShard && nodeShard != shard)
            {
                // Its node's other readings are on another queue: joined here, its order among them would be chance.
                await DeadLetterAsync(message, DeadLetterReason.WrongShard,
                    $"Reading of {reading.NodeId} at {reading.Timestamp:O} came on {message.Queue}; its node's shard is {HpcTopology.ReadingShardQueue(nodeShard)}.",
                    record, cancellationToken);
                continue;
            }

            if (_join.AddReading(reading) is { } problem)
            {
                await RejectAsync(message, DeadLetterReason.InvalidReading, problem, record, cancellationToken);
                continue;
            }

            if (trace != default)
            {
                _readingTraces[(reading.NodeId, reading.Timestamp)] = trace;
            }

            // Behind the watermark already (the job events ran ahead): ready now, drained in batches rather than one by one.
            if (_join.Watermark >= reading.Timestamp)
            {
                _readyReadings++;
            }
        }

        if (_readyReadings >= ReadyReadingsPerDrain)
        {
            await DrainAsync(cancellationToken);
        }
    }

    private async Task HandleEnergyPartAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        if (await DecodeAsync(_partDecoder, message, cancellationToken) is not { } parts)
        {
            return;
        }

        foreach (var part in parts)
        {
            if (_assembler.Add(part) is { } energy)
            {
                await _publisher.PublishAsync(HpcTopology.ResultsExchange, HpcTopology.JobEnergyKey(energy.JobId),
                    async () => await _energyWriter.WriteAsync(energy, AvroSubjects.JobEnergy), cancellationToken: cancellationToken);
                _metrics.JobEnergies.Add(1);
            }
        }
    }

    /// <summary>Every waiting reading the watermark has reached: enriched records to the sink, finished jobs' shares to their owners.</summary>
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var startedAt = _stages.Start();
        _readyReadings = 0;
        JoinOutput output;
        using (RabbitMQTelemetry.Activities.StartStage(PipelineStages.Join))
        {
            output = _join.Drain();
        }

        _stages.Record(PipelineStages.Join, HpcTopology.TelemetryExchange, startedAt);
        foreach (var chunk in output.Readings.Chunk(Transport.RecordsPerMessage))
        {
            // A batch continues the trace of its first reading that has one (a sampled reading's batch).
            var parent = default(ActivityContext);
            foreach (var enriched in chunk)
            {
                if (_readingTraces.Remove((enriched.Reading.NodeId, enriched.Reading.Timestamp), out var trace) && parent == default)
                {
                    parent = trace;
                }
            }

            await _publisher.PublishAsync(HpcTopology.ResultsExchange, _enrichedKey,
                async () => await _enrichedWriter.WriteAsync(chunk, AvroSubjects.EnrichedReadingBatches), parent, cancellationToken: cancellationToken);
        }

        _metrics.Enriched.Add(output.Readings.Count);
        foreach (var part in output.EnergyParts)
        {
            var owner = HpcTopology.JobOwner(part.JobId, _options.Instances);
            await _publisher.PublishAsync(HpcTopology.EnergyPartsExchange, HpcTopology.EnergyPartsKey(owner),
                async () => await _partWriter.WriteAsync(part, AvroSubjects.JobEnergyParts), cancellationToken: cancellationToken);
        }
    }

    /// <summary>Outputs confirmed, then the state durable, then the inputs acked; anything failing takes the session back to the last checkpoint.</summary>
    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        _sinceCheckpointClock.Restart();
        if (_lastHandled is not { } last)
        {
            _loopStartedAt = PipelineStages.Now(); // idle: the next turn starts with its first delivery's wait
            return;
        }

        var startedAt = PipelineStages.Now();
        if (_readyReadings > 0)
        {
            await DrainAsync(cancellationToken);
        }

        try
        {
            await _publisher.FlushAsync(cancellationToken);
        }
        catch (RabbitMQPublishException ex)
        {
            await RestartSessionAsync($"outputs were not confirmed ({ex.Message})");
            return;
        }

        _stateFile.Save(new ProcessorState(_join.Clocks.TryGetValue(0, out var clock) ? clock : null,
            [.. _nodes.Select(_join.ExportNode)], _assembler.PendingParts));
        await AckThroughAsync(last, cancellationToken);
        _lastHandled = null;
        _messagesSinceCheckpoint = 0;
        _metrics.Transactions.Add(1);
        _stages.Record(PipelineStages.Checkpoint, "", startedAt);
        // A turn: the deliveries since the last checkpoint joined, their outputs confirmed, the state saved, the inputs acked.
        _stages.Record(PipelineStages.Loop, "", _loopStartedAt);
        _loopStartedAt = PipelineStages.Now();
    }

    /// <summary>The message's records (one, or a batch), or null once it is dead-lettered as undecodable.</summary>
    private async Task<IReadOnlyList<T>?> DecodeAsync<T>(AvroMessageDecoder<T> decoder, ReceivedMessage message, CancellationToken cancellationToken)
        where T : class, Avro.Specific.ISpecificRecord, new()
    {
        var startedAt = _stages.Start();
        using var activity = RabbitMQTelemetry.Activities.StartStage(PipelineStages.Deserialize);
        var decoded = await decoder.DecodeAllAsync(message.Body.ToArray());
        _stages.Record(PipelineStages.Deserialize, message.Queue, startedAt);
        if (decoded.IsDecoded)
        {
            return decoded.Value;
        }

        activity?.SetStatus(ActivityStatusCode.Error, decoded.Failure.ToString());
        await DeadLetterAsync(message, decoded.Failure!.Value, decoded.Error!, cancellationToken: cancellationToken);
        return null;
    }

    /// <summary>Invalid in the domain: dead-lettered, unless it is a copy of a message the state already holds.</summary>
    private async Task RejectAsync(ReceivedMessage message, DeadLetterReason reason, string problem, int? record, CancellationToken cancellationToken)
    {
        if (RabbitMQRetries.MayBeCopy(message))
        {
            Logger.LogDebug("Skipped a copy from {Queue}: {Problem}", message.Queue, problem);
            _metrics.CopiesSkipped.Add(1);
            return;
        }

        await DeadLetterAsync(message, reason, problem, record, cancellationToken);
    }
}

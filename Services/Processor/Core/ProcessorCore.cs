using System.Diagnostics;
using Confluent.SchemaRegistry;
using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;
using HpcAspire.Framing;
using HpcAspire.Messaging;

namespace HpcAspire.Processor.Core;

/// <summary>
/// What the processor does to what it receives, whatever broker carries it: a message of readings, job events or
/// energy shares is decoded, checked and joined; the readings the scheduler's clock has passed come out enriched
/// (rolling statistics, anomaly flags, the job they belong to) and each finished job's shares add up to its energy.
/// What it makes and what it refuses land in <see cref="Outbox"/>, for the runner to send on its broker; the state it
/// holds is exported and restored per input (a Kafka partition, a RabbitMQ shard or queue) for the runner to keep
/// with the positions it goes with.
/// </summary>
/// <remarks>
/// The runners (<see cref="ProcessingSession"/> on Kafka, <see cref="RabbitMQ.RabbitMQProcessor"/> on RabbitMQ) hold
/// only their broker's mechanics: what to consume, when to drain and checkpoint, and how outputs, state and positions
/// become durable together. Nothing here knows a broker.
/// </remarks>
internal sealed class ProcessorCore
{
    public const string ActivitySourceName = "HpcAspire.Processor";
    private static readonly ActivitySource Activities = new(ActivitySourceName);

    private readonly int _maxTraces;
    private readonly bool _batches;
    private readonly ProcessorMetrics _metrics;
    private readonly PipelineStages _stages;
    private readonly IReadOnlySet<string> _nodes;
    private readonly NodeTelemetryJoin _join;
    private readonly AvroMessageDecoder<NodeReading> _readingDecoder;
    private readonly AvroMessageDecoder<JobEvent> _jobEventDecoder;
    private readonly AvroMessageDecoder<JobEnergyPart> _shareDecoder;
    private readonly Dictionary<string, int> _inputOfNode = new(StringComparer.Ordinal);
    private readonly Dictionary<int, JobEnergyAssembler> _assemblers = [];
    private readonly HashSet<int> _changedReadingInputs = [];

    // Traced messages whose results come later: a reading's enriched record continues the reading's trace; a job's
    // energy links to the traces of the shares it sums (empty when nothing is sampled).
    private readonly Dictionary<(string Node, DateTime At), MessageTrace> _readingTraces = [];
    private readonly Dictionary<string, List<ActivityLink>> _shareTraces = new(StringComparer.Ordinal);

    /// <param name="clocks">How many scheduler clocks the watermark is the least of (Kafka: one per job-event partition).</param>
    /// <param name="batches">Whether a message may hold a batch of records (the RabbitMQ application's) or holds one.</param>
    public ProcessorCore(ProcessorOptions options, IReadOnlySet<string> nodes, int clocks, bool batches, ISchemaRegistryClient registry,
        ProcessorMetrics metrics, PipelineStages stages)
    {
        _maxTraces = 4 * options.MaxWaitingReadings;
        _batches = batches;
        _metrics = metrics;
        _stages = stages;
        _nodes = nodes;
        _join = new NodeTelemetryJoin(clocks, nodes);
        _readingDecoder = new AvroMessageDecoder<NodeReading>(registry);
        _jobEventDecoder = new AvroMessageDecoder<JobEvent>(registry);
        _shareDecoder = new AvroMessageDecoder<JobEnergyPart>(registry);
    }

    /// <summary>What the messages handled so far made and refused, in order, until the runner sends it and clears it.</summary>
    public ProcessorOutbox Outbox { get; } = new();

    /// <summary>Readings held for the scheduler's clock: a runner pauses its readings when too many wait.</summary>
    public int WaitingReadings => _join.WaitingReadings;

    /// <summary>Readings that came in behind the watermark since the last drain: ready, waiting only for <see cref="Drain"/>.</summary>
    public int ReadyReadings { get; private set; }

    public IReadOnlyDictionary<int, DateTime> Clocks => _join.Clocks;

    /// <summary>The reading inputs whose state changed since <see cref="ReadingStateSaved"/>: the ones a snapshot must write.</summary>
    public IReadOnlySet<int> ChangedReadingInputs => _changedReadingInputs;

    /// <summary>The share inputs this instance adds up jobs for.</summary>
    public IEnumerable<int> ShareInputs => _assemblers.Keys;

    /// <summary>
    /// A message of readings (one, or a batch) from <paramref name="input"/>, named <paramref name="source"/> in stages:
    /// each is checked and queued for the join. <paramref name="misplaced"/> says why a reading must not be joined from
    /// this input, if it must not.
    /// </summary>
    public async ValueTask ReadingsAsync(int input, string source, byte[]? body, MessageTrace trace, Func<NodeReading, string?>? misplaced = null)
    {
        _changedReadingInputs.Add(input);
        if (await DecodeAsync(_readingDecoder, source, body) is not { } readings)
        {
            return;
        }

        var startedAt = _stages.Start();
        var rejected = Outbox.Rejections.Count;
        using (MessagingActivities.StartStage(Activities, PipelineStages.Join))
        {
            for (var i = 0; i < readings.Count; i++)
            {
                var reading = readings[i];
                int? record = readings.Count > 1 ? i : null;
                if (misplaced?.Invoke(reading) is { } wrong)
                {
                    Outbox.Reject(DeadLetterReason.WrongShard, wrong, record);
                    continue;
                }

                if (_join.AddReading(reading) is { } problem)
                {
                    Outbox.Reject(DeadLetterReason.InvalidReading, problem, record);
                    continue;
                }

                _inputOfNode[reading.NodeId] = input;
                if (!trace.IsEmpty)
                {
                    _readingTraces[(reading.NodeId, reading.Timestamp)] = trace;
                }

                if (_join.Watermark >= reading.Timestamp)
                {
                    ReadyReadings++; // the job events ran ahead: ready now
                }
            }
        }

        _stages.Record(PipelineStages.Join, source, startedAt);
        MarkRejected(rejected);
    }

    /// <summary>A message of job events (one, or a batch): each applied to the nodes' allocations, or refused.</summary>
    public async ValueTask JobEventsAsync(string source, byte[]? body)
    {
        if (await DecodeAsync(_jobEventDecoder, source, body) is not { } jobEvents)
        {
            return;
        }

        var rejected = Outbox.Rejections.Count;
        for (var i = 0; i < jobEvents.Count; i++)
        {
            if (ApplyJobEvent(jobEvents[i]) is { } problem)
            {
                Outbox.Reject(DeadLetterReason.InvalidJobEvent, problem, jobEvents.Count > 1 ? i : null);
            }
        }

        MarkRejected(rejected);
    }

    /// <summary>Applies one job event the runner decoded and judged itself; returns why the join cannot place it, or null.</summary>
    public string? ApplyJobEvent(JobEvent jobEvent) => _join.AddJobEvent(jobEvent);

    /// <summary>The scheduler's clock from one of the job-event streams: the watermark moves when the least of them does.</summary>
    public void AddClock(int clock, DateTime time) => _join.AddClock(clock, time);

    /// <summary>A message of energy shares (one, or a batch) for the jobs of <paramref name="input"/>: a job's last share makes its energy.</summary>
    public async ValueTask EnergySharesAsync(int input, string source, byte[]? body, ActivityContext trace)
    {
        if (await DecodeAsync(_shareDecoder, source, body) is not { } shares)
        {
            return;
        }

        var assembler = _assemblers.TryGetValue(input, out var owned) ? owned : _assemblers[input] = new JobEnergyAssembler();
        foreach (var share in shares)
        {
            if (trace.TraceFlags.HasFlag(ActivityTraceFlags.Recorded))
            {
                (_shareTraces.TryGetValue(share.JobId, out var links) ? links : _shareTraces[share.JobId] = []).Add(new ActivityLink(trace));
            }

            if (assembler.Add(share) is { } energy)
            {
                _shareTraces.Remove(energy.JobId, out var links);
                Outbox.JobEnergies.Add(new JobEnergyOutput(energy, links));
                _metrics.JobEnergies.Add(1);
            }
        }
    }

    /// <summary>Every waiting reading the watermark has passed, enriched, and each finished run's share of its job, into the outbox.</summary>
    public void Drain()
    {
        ReadyReadings = 0;
        var output = _join.Drain();
        foreach (var enriched in output.Readings)
        {
            var node = enriched.Reading.NodeId;
            if (_inputOfNode.TryGetValue(node, out var input))
            {
                _changedReadingInputs.Add(input);
            }

            _readingTraces.Remove((node, enriched.Reading.Timestamp), out var trace);
            Outbox.EnrichedReadings.Add(new EnrichedOutput(enriched, trace));
        }

        Outbox.EnergyShares.AddRange(output.EnergyParts);
        _metrics.Enriched.Add(output.Readings.Count);
        if (_readingTraces.Count > _maxTraces)
        {
            _readingTraces.Clear(); // readings of inputs gone to another instance never drain here
        }
    }

    /// <summary>The state of the nodes whose readings come from <paramref name="inputs"/>, by input.</summary>
    public Dictionary<int, List<NodeState>> ExportNodes(IEnumerable<int> inputs)
    {
        var exported = inputs.ToDictionary(input => input, _ => new List<NodeState>());
        foreach (var (node, input) in _inputOfNode) // one pass over the nodes for all inputs
        {
            if (exported.TryGetValue(input, out var nodes))
            {
                nodes.Add(_join.ExportNode(node));
            }
        }

        return exported;
    }

    /// <summary>The state of every node of the cluster, readings or not: with the job allocations of each, for a runner that replays no job event.</summary>
    public IReadOnlyList<NodeState> ExportEveryNode() => [.. _nodes.Select(_join.ExportNode)];

    /// <summary>Takes on the saved state of nodes whose readings come from <paramref name="input"/>.</summary>
    public void ImportNodes(int input, IEnumerable<NodeState> nodes)
    {
        _changedReadingInputs.Add(input);
        foreach (var node in nodes)
        {
            _join.ImportNode(node);
            _inputOfNode[node.Node] = input;
        }
    }

    /// <summary>The snapshots of <see cref="ChangedReadingInputs"/> are durable: nothing has changed since.</summary>
    public void ReadingStateSaved() => _changedReadingInputs.Clear();

    /// <summary>An input of readings gone to another instance: its nodes' state is dropped here.</summary>
    public void RevokeReadings(int input)
    {
        _changedReadingInputs.Remove(input);
        foreach (var node in _inputOfNode.Where(n => n.Value == input).Select(n => n.Key).ToList())
        {
            _join.ForgetNode(node);
            _inputOfNode.Remove(node);
        }
    }

    /// <summary>Takes on an input of energy shares with the shares saved as pending for it.</summary>
    public void AssignShares(int input, IEnumerable<JobEnergyPart> pending)
    {
        var assembler = new JobEnergyAssembler();
        foreach (var share in pending)
        {
            assembler.Add(share);
        }

        _assemblers[input] = assembler;
    }

    public bool OwnsShares(int input) => _assemblers.ContainsKey(input);

    public void RevokeShares(int input) => _assemblers.Remove(input);

    /// <summary>The shares of <paramref name="input"/>'s unfinished jobs, to save with its state.</summary>
    public IReadOnlyList<JobEnergyPart> PendingShares(int input) => _assemblers.TryGetValue(input, out var assembler) ? assembler.PendingParts : [];

    /// <summary>The message's records (one, or a batch), or null once it is refused as undecodable.</summary>
    private async ValueTask<IReadOnlyList<T>?> DecodeAsync<T>(AvroMessageDecoder<T> decoder, string source, byte[]? body)
        where T : class, Avro.Specific.ISpecificRecord, new()
    {
        var startedAt = _stages.Start();
        DeadLetterReason? failure;
        string? error;
        IReadOnlyList<T>? records;
        using (var activity = MessagingActivities.StartStage(Activities, PipelineStages.Deserialize))
        {
            if (_batches)
            {
                var decoded = await decoder.DecodeAllAsync(body).ConfigureAwait(false);
                (records, failure, error) = (decoded.Value, decoded.Failure, decoded.Error);
            }
            else
            {
                var decoded = await decoder.DecodeAsync(body).ConfigureAwait(false);
                (records, failure, error) = (decoded.IsDecoded ? [decoded.Value!] : null, decoded.Failure, decoded.Error);
            }

            if (failure is not null)
            {
                activity?.SetStatus(ActivityStatusCode.Error, failure.ToString());
            }
        }

        _stages.Record(PipelineStages.Deserialize, source, startedAt);
        if (failure is { } reason)
        {
            Outbox.Reject(reason, error!, null);
            MarkRejected(Outbox.Rejections.Count - 1);
            return null;
        }

        return records;
    }

    // The message's span (current once the stage spans end) shows it was refused, and why.
    private void MarkRejected(int rejectedBefore)
    {
        if (Outbox.Rejections.Count > rejectedBefore)
        {
            Activity.Current?.SetStatus(ActivityStatusCode.Error, Outbox.Rejections[rejectedBefore].Reason.ToString());
        }
    }
}

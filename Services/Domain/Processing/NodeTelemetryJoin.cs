using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>What one drain of the join produced, in order.</summary>
public sealed record JoinOutput(IReadOnlyList<EnrichedReading> Readings, IReadOnlyList<JobEnergyPart> EnergyParts);

/// <summary>
/// Joins node readings to the jobs on their nodes, deterministically whatever the interleaving of
/// the two streams: a reading waits until the scheduler's watermark (the smallest clock over the
/// job-event partitions) has reached its time, so every job event up to it has been applied.
/// Then it gets its job, the node's rolling statistics and anomaly flags, and adds to the job's
/// energy on that node; a node's share of a job's energy is emitted once a reading reaches the
/// job's end.
/// </summary>
public sealed class NodeTelemetryJoin
{
    private readonly NodeAllocations _allocations = new();
    private readonly Dictionary<int, DateTime> _clocks = [];
    private readonly int _jobEventPartitions;
    private readonly IReadOnlySet<string> _nodes;
    private readonly AnomalyRules _rules;
    private readonly int _windowSize;
    // What the join holds of each node, found with one lookup per reading; and the same slots in node order, for the
    // drains (rebuilt when a node comes or goes, which is rare next to the readings).
    private readonly Dictionary<string, NodeSlot> _slots = new(StringComparer.Ordinal);
    private NodeSlot[]? _slotsInOrder;

    public NodeTelemetryJoin(int jobEventPartitions, IReadOnlySet<string> nodes, AnomalyRules? rules = null, int windowSize = 30)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(jobEventPartitions, 1);
        _jobEventPartitions = jobEventPartitions;
        _nodes = nodes;
        _rules = rules ?? new AnomalyRules();
        _windowSize = windowSize;
    }

    /// <summary>Up to when every job event has been applied: the smallest clock over all partitions.</summary>
    public DateTime? Watermark => _clocks.Count == _jobEventPartitions ? _clocks.Values.Min() : null;

    public int WaitingReadings => _slots.Values.Sum(slot => slot.Waiting.Count);

    /// <summary>The scheduler clock of each job-event partition reported so far.</summary>
    public IReadOnlyDictionary<int, DateTime> Clocks => _clocks;

    /// <summary>The node's state, for <see cref="ImportNode"/> in another join.</summary>
    public NodeState ExportNode(string node) => _slots.TryGetValue(node, out var slot)
        ? new(node, slot.LastReading, slot.Window?.Readings ?? [], [.. slot.Waiting], _allocations.RunsOn(node),
            [.. slot.Energy.Select(e => e.Value.Export(e.Key))])
        : new(node, null, [], [], _allocations.RunsOn(node), []);

    /// <summary>Replaces what this join knows of the node by an exported state; job events and clocks after it are applied next.</summary>
    public void ImportNode(NodeState state)
    {
        ForgetNode(state.Node);
        var slot = SlotOf(state.Node);
        slot.LastReading = state.LastReading;
        if (state.Window.Count > 0)
        {
            slot.Window = new RollingWindow(_windowSize);
            foreach (var reading in state.Window)
            {
                slot.Window.Add(reading);
            }
        }

        foreach (var reading in state.Waiting)
        {
            slot.Waiting.Enqueue(reading);
        }

        foreach (var integral in state.Integrals)
        {
            slot.Energy[integral.JobId] = NodeEnergyIntegral.Import(integral);
        }

        _allocations.Restore(state.Node, state.Runs);
    }

    /// <summary>
    /// Drops the node's readings, statistics and energy (another process goes on with them). Its job
    /// allocations stay: job events keep them current on every process.
    /// </summary>
    public void ForgetNode(string node)
    {
        if (_slots.Remove(node))
        {
            _slotsInOrder = null;
        }
    }

    /// <summary>Applies a job event; returns why it is invalid (an end of a job never started), or null.</summary>
    public string? AddJobEvent(JobEvent jobEvent)
    {
        if (!_allocations.Knows(jobEvent))
        {
            return $"{jobEvent.State} event for job '{jobEvent.JobId}', which never started";
        }

        var unknownNode = jobEvent.Nodes.FirstOrDefault(node => !_nodes.Contains(node));
        if (unknownNode is not null)
        {
            return $"job '{jobEvent.JobId}' runs on node '{unknownNode}', which is not in the cluster";
        }

        _allocations.Apply(jobEvent);
        return null;
    }

    /// <summary>The scheduler's clock from one job-event partition.</summary>
    public void AddClock(int partition, DateTime time)
    {
        if (!_clocks.TryGetValue(partition, out var current) || time > current)
        {
            _clocks[partition] = time;
        }
    }

    /// <summary>Queues a reading until the watermark reaches it; returns why it is invalid, or null.</summary>
    public string? AddReading(NodeReading reading)
    {
        if (ReadingValidation.Problem(reading, _nodes) is { } problem)
        {
            return problem;
        }

        var slot = SlotOf(reading.NodeId);
        if (slot.LastReading is { } last && reading.Timestamp <= last)
        {
            return $"reading of {reading.NodeId} at {reading.Timestamp:O} is not after its previous one at {last:O} (duplicate or out of order)";
        }

        slot.LastReading = reading.Timestamp;
        slot.Waiting.Enqueue(reading);
        return null;
    }

    /// <summary>Processes every waiting reading the watermark has reached, node by node in time order.</summary>
    public JoinOutput Drain()
    {
        var readings = new List<EnrichedReading>();
        var parts = new List<JobEnergyPart>();
        if (Watermark is not { } watermark)
        {
            return new JoinOutput(readings, parts);
        }

        _slotsInOrder ??= [.. _slots.OrderBy(slot => slot.Key, StringComparer.Ordinal).Select(slot => slot.Value)];
        foreach (var slot in _slotsInOrder)
        {
            var queue = slot.Waiting;
            while (queue.TryPeek(out var reading) && reading.Timestamp <= watermark)
            {
                queue.Dequeue();
                readings.Add(Process(slot, reading, parts));
            }
        }

        return new JoinOutput(readings, parts);
    }

    private EnrichedReading Process(NodeSlot slot, NodeReading reading, List<JobEnergyPart> parts)
    {
        // Jobs that ran on the node: this reading closes the interval up to it. The runs it ends or finds
        // ended before it are released after the pass, which reads the node's list as it stands.
        var node = slot.Node;
        var integrals = slot.Energy;
        var runs = _allocations.CurrentRunsOn(node);
        List<string>? released = null;
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            if (run.Start > reading.Timestamp)
            {
                continue;
            }

            if (!integrals.TryGetValue(run.JobId, out var integral))
            {
                if (!run.RunsAt(reading.Timestamp))
                {
                    // Ended before the node's first reading in it: nothing of it was measured here.
                    (released ??= []).Add(run.JobId);
                    continue;
                }

                integrals[run.JobId] = integral = new NodeEnergyIntegral(run.Start);
            }

            integral.Add(reading, run.End);
            if (run.End is { } end && integral.IsCompleteFor(end))
            {
                parts.Add(Part(run, node, integral));
                integrals.Remove(run.JobId);
                (released ??= []).Add(run.JobId);
            }
        }

        if (released is not null)
        {
            foreach (var jobId in released)
            {
                _allocations.Release(jobId, node);
            }
        }

        var window = slot.Window ??= new RollingWindow(_windowSize);
        var anomalies = _rules.Evaluate(reading, window);
        var statistics = window.Add(reading);
        var job = _allocations.JobOn(node, reading.Timestamp);
        return new EnrichedReading(reading, statistics, anomalies)
        {
            JobId = job?.JobId,
            User = job?.User,
            Account = job?.Account,
        };
    }

    private NodeSlot SlotOf(string node)
    {
        if (!_slots.TryGetValue(node, out var slot))
        {
            _slots[node] = slot = new NodeSlot(node);
            _slotsInOrder = null;
        }

        return slot;
    }

    /// <summary>A node's last reading time, rolling window, readings waiting for the watermark, and energy per job (by job id).</summary>
    private sealed class NodeSlot(string node)
    {
        public string Node { get; } = node;

        public DateTime? LastReading { get; set; }

        public RollingWindow? Window { get; set; }

        public Queue<NodeReading> Waiting { get; } = new();

        public Dictionary<string, NodeEnergyIntegral> Energy { get; } = new(StringComparer.Ordinal);
    }

    private static JobEnergyPart Part(JobRun run, string node, NodeEnergyIntegral integral) => new()
    {
        JobId = run.JobId,
        NodeId = node,
        User = run.User,
        Account = run.Account,
        FinalState = run.FinalState!.Value,
        StartTime = run.Start,
        EndTime = run.End!.Value,
        NodeCount = run.Nodes.Count,
        ReadingCount = integral.ReadingCount,
        Joules = integral.Joules,
        PeakPowerWatts = integral.PeakPowerWatts,
        Power = integral.Power is { } power ? [.. power] : [], // none: not known from the run's start, so the job's total peak is not either
    };
}

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
    private readonly SortedDictionary<string, Queue<NodeReading>> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RollingWindow> _windows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _lastReading = new(StringComparer.Ordinal);
    // Per node, then per job: exporting one node's state touches that node's integrals only.
    private readonly Dictionary<string, Dictionary<string, NodeEnergyIntegral>> _energy = new(StringComparer.Ordinal);

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

    public int WaitingReadings => _waiting.Values.Sum(queue => queue.Count);

    /// <summary>The scheduler clock of each job-event partition reported so far.</summary>
    public IReadOnlyDictionary<int, DateTime> Clocks => _clocks;

    /// <summary>The node's state, for <see cref="ImportNode"/> in another join.</summary>
    public NodeState ExportNode(string node) => new(
        node,
        _lastReading.TryGetValue(node, out var last) ? last : null,
        _windows.TryGetValue(node, out var window) ? window.Readings : [],
        _waiting.TryGetValue(node, out var queue) ? [.. queue] : [],
        _allocations.RunsOn(node),
        _energy.TryGetValue(node, out var integrals) ? [.. integrals.Select(e => e.Value.Export(e.Key))] : []);

    /// <summary>Replaces what this join knows of the node by an exported state; job events and clocks after it are applied next.</summary>
    public void ImportNode(NodeState state)
    {
        ForgetNode(state.Node);
        if (state.LastReading is { } last)
        {
            _lastReading[state.Node] = last;
        }

        if (state.Window.Count > 0)
        {
            var window = _windows[state.Node] = new RollingWindow(_windowSize);
            foreach (var reading in state.Window)
            {
                window.Add(reading);
            }
        }

        if (state.Waiting.Count > 0)
        {
            _waiting[state.Node] = new Queue<NodeReading>(state.Waiting);
        }

        foreach (var integral in state.Integrals)
        {
            EnergyOn(state.Node)[integral.JobId] = NodeEnergyIntegral.Import(integral);
        }

        _allocations.Restore(state.Node, state.Runs);
    }

    /// <summary>
    /// Drops the node's readings, statistics and energy (another process goes on with them). Its job
    /// allocations stay: job events keep them current on every process.
    /// </summary>
    public void ForgetNode(string node)
    {
        _lastReading.Remove(node);
        _windows.Remove(node);
        _waiting.Remove(node);
        _energy.Remove(node);
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

        if (_lastReading.TryGetValue(reading.NodeId, out var last) && reading.Timestamp <= last)
        {
            return $"reading of {reading.NodeId} at {reading.Timestamp:O} is not after its previous one at {last:O} (duplicate or out of order)";
        }

        _lastReading[reading.NodeId] = reading.Timestamp;
        if (!_waiting.TryGetValue(reading.NodeId, out var queue))
        {
            _waiting[reading.NodeId] = queue = new Queue<NodeReading>();
        }

        queue.Enqueue(reading);
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

        foreach (var (node, queue) in _waiting)
        {
            while (queue.TryPeek(out var reading) && reading.Timestamp <= watermark)
            {
                queue.Dequeue();
                readings.Add(Process(node, reading, parts));
            }
        }

        return new JoinOutput(readings, parts);
    }

    private EnrichedReading Process(string node, NodeReading reading, List<JobEnergyPart> parts)
    {
        // Jobs that ran on the node: this reading closes the interval up to it. The runs it ends or finds
        // ended before it are released after the pass, which reads the node's list as it stands.
        var integrals = EnergyOn(node);
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

        var window = _windows.TryGetValue(node, out var w) ? w : _windows[node] = new RollingWindow(_windowSize);
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

    private Dictionary<string, NodeEnergyIntegral> EnergyOn(string node) =>
        _energy.TryGetValue(node, out var integrals) ? integrals : _energy[node] = new Dictionary<string, NodeEnergyIntegral>(StringComparer.Ordinal);

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
    };
}

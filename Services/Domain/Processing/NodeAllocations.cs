using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>A job's run on its nodes, as the scheduler reported it.</summary>
public sealed record JobRun(string JobId, string User, string Account, IReadOnlyList<string> Nodes, DateTime Start)
{
    public DateTime? End { get; init; }

    public JobState? FinalState { get; init; }

    /// <summary>A job runs at <paramref name="time"/> from its start up to, not including, its end.</summary>
    public bool RunsAt(DateTime time) => Start <= time && (End is null || time < End);
}

/// <summary>
/// Which job runs on which node, over time, built from job events. An ended run stays on a node
/// until that node's readings have passed its end (<see cref="Release"/>): readings may lag the
/// job events by any amount.
/// </summary>
public sealed class NodeAllocations
{
    private readonly Dictionary<string, List<JobRun>> _runsByNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JobRun> _runsByJob = new(StringComparer.Ordinal);

    public IReadOnlyCollection<JobRun> Runs => _runsByJob.Values;

    /// <summary>Applies a job event; returns the run it started or ended, or null when nothing changed.</summary>
    public JobRun? Apply(JobEvent jobEvent)
    {
        switch (jobEvent.State)
        {
            case JobState.Started when !_runsByJob.ContainsKey(jobEvent.JobId):
                var run = new JobRun(jobEvent.JobId, jobEvent.User, jobEvent.Account, [.. jobEvent.Nodes], jobEvent.Timestamp);
                _runsByJob[run.JobId] = run;
                foreach (var node in run.Nodes)
                {
                    RunsOf(node).Add(run);
                }

                return run;

            case JobState.Started:
                // Applied again (job events replayed after a restore): every node holds it once more;
                // a node already past its end releases it at its next reading.
                var known = _runsByJob[jobEvent.JobId];
                foreach (var node in known.Nodes.Where(node => !RunsOf(node).Contains(known)))
                {
                    RunsOf(node).Add(known);
                }

                return null;

            case JobState.Completed or JobState.Failed or JobState.Cancelled when _runsByJob.TryGetValue(jobEvent.JobId, out var started) && started.End is null:
                var ended = started with { End = jobEvent.Timestamp, FinalState = jobEvent.State };
                Replace(started, ended);
                return ended;

            default:
                return null;
        }
    }

    /// <summary>Whether the event refers to a job this table can place: an end needs its start first.</summary>
    public bool Knows(JobEvent jobEvent) =>
        jobEvent.State is JobState.Submitted or JobState.Started || _runsByJob.ContainsKey(jobEvent.JobId);

    public IReadOnlyList<JobRun> RunsOn(string node) =>
        _runsByNode.TryGetValue(node, out var runs) ? [.. runs] : [];

    /// <summary>The node's runs as they stand, for a reading's pass over them: <see cref="Release"/> changes it.</summary>
    internal IReadOnlyList<JobRun> CurrentRunsOn(string node) =>
        _runsByNode.TryGetValue(node, out var runs) ? runs : [];

    /// <summary>The latest-started job running on the node at <paramref name="time"/>, if any. (A loop: it runs for every reading.)</summary>
    public JobRun? JobOn(string node, DateTime time)
    {
        if (_runsByNode.TryGetValue(node, out var runs))
        {
            for (var i = runs.Count - 1; i >= 0; i--)
            {
                if (runs[i].RunsAt(time))
                {
                    return runs[i];
                }
            }
        }

        return null;
    }

    /// <summary>Forgets the run on <paramref name="node"/>, and the run itself once no node holds it.</summary>
    public void Release(string jobId, string node)
    {
        if (!_runsByJob.TryGetValue(jobId, out var run))
        {
            return;
        }

        RunsOf(node).Remove(run);
        if (run.Nodes.All(n => !RunsOf(n).Contains(run)))
        {
            _runsByJob.Remove(jobId);
        }
    }

    /// <summary>
    /// Puts back a node's runs as <see cref="RunsOn"/> exported them (its state moving between processes).
    /// A run this table knows already is kept once, in its ended form if either copy has ended.
    /// </summary>
    public void Restore(string node, IEnumerable<JobRun> runs)
    {
        foreach (var old in RunsOn(node))
        {
            Release(old.JobId, node);
        }

        var list = RunsOf(node);
        foreach (var run in runs)
        {
            var held = run;
            if (_runsByJob.TryGetValue(run.JobId, out var known))
            {
                held = known.End is null && run.End is not null ? run : known;
                if (held != known)
                {
                    Replace(known, held);
                }
            }
            else
            {
                _runsByJob[run.JobId] = run;
            }

            if (!list.Contains(held))
            {
                list.Add(held);
            }
        }
    }

    private void Replace(JobRun old, JobRun updated)
    {
        _runsByJob[updated.JobId] = updated;
        foreach (var node in updated.Nodes)
        {
            var runs = RunsOf(node);
            var index = runs.IndexOf(old);
            if (index >= 0)
            {
                runs[index] = updated;
            }
        }
    }

    private List<JobRun> RunsOf(string node)
    {
        if (!_runsByNode.TryGetValue(node, out var runs))
        {
            runs = [];
            _runsByNode[node] = runs;
        }

        return runs;
    }
}

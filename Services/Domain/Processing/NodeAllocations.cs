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

    public JobRun? JobOn(string node, DateTime time) =>
        _runsByNode.TryGetValue(node, out var runs) ? runs.LastOrDefault(run => run.RunsAt(time)) : null;

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

    private void Replace(JobRun old, JobRun updated)
    {
        _runsByJob[updated.JobId] = updated;
        foreach (var node in updated.Nodes)
        {
            var runs = RunsOf(node);
            runs[runs.IndexOf(old)] = updated;
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

using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>
/// Energy of one job on one node: power integrated over time with the trapezoid rule between
/// consecutive readings that both fall inside the run (start inclusive, end exclusive).
/// </summary>
public sealed class NodeEnergyIntegral
{
    private NodeReading? _previous;

    public double Joules { get; private set; }

    public double PeakPowerWatts { get; private set; }

    public long ReadingCount { get; private set; }

    public DateTime? LastReadingTime => _previous?.Timestamp;

    public void Add(NodeReading reading)
    {
        if (_previous is not null)
        {
            if (reading.Timestamp <= _previous.Timestamp)
            {
                throw new ArgumentException($"Readings of {reading.NodeId} must come in time order: {reading.Timestamp:O} after {_previous.Timestamp:O}.", nameof(reading));
            }

            Joules += (_previous.PowerWatts + reading.PowerWatts) / 2 * (reading.Timestamp - _previous.Timestamp).TotalSeconds;
        }

        PeakPowerWatts = Math.Max(PeakPowerWatts, reading.PowerWatts);
        ReadingCount++;
        _previous = reading;
    }
}

/// <summary>Sums a job's per-node integrals into its energy record once the job has ended.</summary>
public static class JobEnergyCalculator
{
    public const double JoulesPerKilowattHour = 3_600_000;

    public static JobEnergy Summarize(JobRun run, IReadOnlyCollection<NodeEnergyIntegral> nodes)
    {
        if (run.End is not { } end || run.FinalState is not { } finalState)
        {
            throw new ArgumentException($"Job {run.JobId} has not ended; its energy is summarized only once it has.", nameof(run));
        }

        var joules = nodes.Sum(node => node.Joules);
        var seconds = (end - run.Start).TotalSeconds;
        return new JobEnergy
        {
            JobId = run.JobId,
            User = run.User,
            Account = run.Account,
            FinalState = finalState,
            StartTime = run.Start,
            EndTime = end,
            NodeCount = run.Nodes.Count,
            ReadingCount = nodes.Sum(node => node.ReadingCount),
            EnergyKilowattHours = joules / JoulesPerKilowattHour,
            PeakPowerWatts = nodes.Count == 0 ? 0 : nodes.Max(node => node.PeakPowerWatts),
            MeanPowerWatts = seconds > 0 ? joules / seconds : 0,
        };
    }
}

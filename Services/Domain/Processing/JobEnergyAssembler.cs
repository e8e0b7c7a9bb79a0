using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>
/// Sums the nodes' shares of a job's energy into the job's record once every node's share is
/// in. Shares are keyed by job, so one processor instance sees all of a job's shares; a share
/// delivered twice counts once. Powers come on two bases, never mixed: the job's total (its nodes'
/// power summed instant by instant) and one node's.
/// </summary>
public sealed class JobEnergyAssembler
{
    public const double JoulesPerKilowattHour = 3_600_000;

    private readonly Dictionary<string, Dictionary<string, JobEnergyPart>> _parts = new(StringComparer.Ordinal);

    public int PendingJobs => _parts.Count;

    /// <summary>The shares of jobs not complete yet; <see cref="Add"/>ing them to a new assembler restores it.</summary>
    public IReadOnlyList<JobEnergyPart> PendingParts => [.. _parts.Values.SelectMany(byNode => byNode.Values)];

    /// <summary>The job's energy when <paramref name="part"/> completes it, else null.</summary>
    public JobEnergy? Add(JobEnergyPart part)
    {
        if (!_parts.TryGetValue(part.JobId, out var byNode))
        {
            _parts[part.JobId] = byNode = new Dictionary<string, JobEnergyPart>(StringComparer.Ordinal);
        }

        byNode.TryAdd(part.NodeId, part);
        if (byNode.Count < part.NodeCount)
        {
            return null;
        }

        _parts.Remove(part.JobId);

        // Summed in node order: floating-point addition is not associative, and the shares arrive in
        // any order, so arrival order would change the last digits of the job's energy from run to run.
        var shares = byNode.OrderBy(share => share.Key, StringComparer.Ordinal).Select(share => share.Value).ToList();
        var joules = shares.Sum(p => p.Joules);
        var seconds = (part.EndTime - part.StartTime).TotalSeconds;
        var meanJobPower = seconds > 0 ? joules / seconds : 0;
        return new JobEnergy
        {
            JobId = part.JobId,
            User = part.User,
            Account = part.Account,
            FinalState = part.FinalState,
            StartTime = part.StartTime,
            EndTime = part.EndTime,
            NodeCount = part.NodeCount,
            ReadingCount = shares.Sum(p => p.ReadingCount),
            EnergyKilowattHours = joules / JoulesPerKilowattHour,
            MeanJobPowerWatts = meanJobPower,
            PeakJobPowerWatts = shares.All(p => p.Power.Count > 0) ? PeakOfTotal(shares) : null,
            MeanNodePowerWatts = meanJobPower / shares.Count, // the node count: one share per node
            PeakNodePowerWatts = shares.Max(p => p.PeakPowerWatts),
        };
    }

    /// <summary>
    /// The highest value of the job's total power, as its energy integrates it: each node's power is linear between
    /// its readings in the run and held beyond its first and last, so the sum is linear between the union of their
    /// times and peaks at one of them. A job's nodes read on the scheduler's ticks, so in practice this is the highest
    /// sum of its nodes' readings at one tick; and it is never below the mean, energy over duration.
    /// </summary>
    private static double PeakOfTotal(List<JobEnergyPart> shares)
    {
        var times = shares.SelectMany(share => share.Power).Select(sample => sample.Time).Distinct().Order().ToList();
        var positions = new int[shares.Count];
        var peak = 0.0;
        foreach (var time in times)
        {
            var total = 0.0;
            for (var i = 0; i < shares.Count; i++)
            {
                total += PowerAt(shares[i].Power, ref positions[i], time);
            }

            peak = Math.Max(peak, total);
        }

        return peak;
    }

    /// <summary>A node's power at <paramref name="time"/>, its samples read forward from <paramref name="position"/> (times only grow).</summary>
    private static double PowerAt(IList<PowerSample> samples, ref int position, DateTime time)
    {
        while (position + 1 < samples.Count && samples[position + 1].Time <= time)
        {
            position++;
        }

        var at = samples[position];
        if (time <= at.Time || position + 1 == samples.Count)
        {
            return at.Watts; // at a sample, or held before the first and after the last
        }

        var next = samples[position + 1];
        return at.Watts + (next.Watts - at.Watts) * (time - at.Time).TotalSeconds / (next.Time - at.Time).TotalSeconds;
    }
}

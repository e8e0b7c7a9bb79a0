using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>
/// Sums the nodes' shares of a job's energy into the job's record once every node's share is
/// in. Shares are keyed by job, so one processor instance sees all of a job's shares; a share
/// delivered twice counts once.
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
            PeakPowerWatts = shares.Max(p => p.PeakPowerWatts),
            MeanPowerWatts = seconds > 0 ? joules / seconds : 0,
        };
    }
}

using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>
/// Everything the join holds about one node: enough to stop processing it in one process and go on
/// in another without changing any result (a partition's state moving on a restart or rebalance).
/// </summary>
public sealed record NodeState(
    string Node,
    DateTime? LastReading,
    IReadOnlyList<NodeReading> Window,
    IReadOnlyList<NodeReading> Waiting,
    IReadOnlyList<JobRun> Runs,
    IReadOnlyList<EnergyIntegralState> Integrals);

/// <summary>A job's energy on the node so far, and its power samples (null when not known from the run's start).</summary>
public sealed record EnergyIntegralState(
    string JobId, DateTime Start, NodeReading? Previous, double Joules, double PeakPowerWatts, long ReadingCount, IReadOnlyList<PowerSample>? Power);

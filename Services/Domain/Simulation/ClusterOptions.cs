namespace HpcAspire.Domain.Simulation;

/// <summary>The simulated HPC cluster: its nodes, its workload and how often nodes report.</summary>
public sealed record ClusterOptions
{
    /// <summary>Compute nodes, named node-001 … node-NNN.</summary>
    public int NodeCount { get; init; } = 16;

    /// <summary>Same seed, same options: the same jobs and readings, in every process that simulates them.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Simulated time of the first tick. Generators use the wall clock unless a run must be reproducible.</summary>
    public DateTime StartTime { get; init; } = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Simulated time between two readings of a node (1 s = 1 Hz).</summary>
    public TimeSpan ReadingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Mean simulated time between two job submissions.</summary>
    public TimeSpan MeanJobInterarrival { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Shortest and longest job runtime.</summary>
    public TimeSpan MinJobRuntime { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxJobRuntime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Probability, per node and reading, that an anomaly episode (overheating or power spike) starts.</summary>
    public double AnomalyRate { get; init; } = 0.002;

    public void Validate()
    {
        Require(NodeCount >= 1, $"NodeCount is {NodeCount}; a cluster needs at least one node.");
        Require(ReadingInterval > TimeSpan.Zero, $"ReadingInterval is {ReadingInterval}; it must be positive.");
        Require(MeanJobInterarrival > TimeSpan.Zero, $"MeanJobInterarrival is {MeanJobInterarrival}; it must be positive.");
        Require(MinJobRuntime > TimeSpan.Zero && MaxJobRuntime >= MinJobRuntime,
            $"MinJobRuntime ({MinJobRuntime}) must be positive and at most MaxJobRuntime ({MaxJobRuntime}).");
        Require(AnomalyRate is >= 0 and <= 1, $"AnomalyRate is {AnomalyRate}; it is a probability between 0 and 1.");
        Require(StartTime.Kind == DateTimeKind.Utc, "StartTime must be UTC.");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    public static string NodeName(int index) => $"node-{index + 1:D3}";
}

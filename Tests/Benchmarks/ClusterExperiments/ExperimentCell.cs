namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>What a cell's code gets: where its cluster comes from, its deadline, and the run's scale.</summary>
internal sealed record CellContext(IClusterTarget Target, DateTime Deadline, bool Quick)
{
    /// <summary>A deadline inside the cell's: at most <paramref name="span"/> from now.</summary>
    public DateTime Within(TimeSpan span) => DateTime.UtcNow + span < Deadline ? DateTime.UtcNow + span : Deadline;
}

/// <summary>
/// One cell of an experiment: its settings (the row's first columns) and the code that measures it into the row.
/// A cell that cannot be measured throws; its row keeps what was measured before, and says FAILED.
/// </summary>
internal sealed record ExperimentCell(string Experiment, IReadOnlyList<KeyValuePair<string, string>> Settings, Func<CellContext, ResultRow, Task> Measure)
{
    public string Label => string.Join(' ', Settings.Select(s => $"{s.Key}={s.Value}"));
}

/// <summary>A cell that ran but whose outcome is not a measurement (e.g. not every message was consumed by the deadline).</summary>
internal sealed class CellFailedException(string message) : Exception(message);

/// <summary>A cell this cluster cannot run (e.g. a replication factor above its broker count): said in its row, not measured.</summary>
internal sealed class CellSkippedException(string message) : Exception(message);

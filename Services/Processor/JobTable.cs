namespace HpcAspire.Processor;

/// <summary>
/// The jobs of one job-event partition that started and have not ended. A job's events share its
/// key and so its partition: this table alone says whether an end belongs to a known job, whatever
/// nodes (and so whatever processor instance) the job ran on. Events before <see cref="Position"/>
/// are already in it, so replaying them changes nothing.
/// </summary>
internal sealed class JobTable(int partition, long position = 0, IEnumerable<string>? open = null)
{
    private readonly HashSet<string> _open = new(open ?? [], StringComparer.Ordinal);

    public int Partition { get; } = partition;

    public long Position { get; private set; } = position;

    public bool IsReplay(long offset) => offset < Position;

    public void Started(string jobId, long offset)
    {
        _open.Add(jobId);
        Position = offset + 1;
    }

    /// <summary>Whether the job was open (and is now closed).</summary>
    public bool Ended(string jobId, long offset)
    {
        Position = offset + 1;
        return _open.Remove(jobId);
    }

    public void Skip(long offset) => Position = Math.Max(Position, offset + 1);

    public JobTableState Export() => new(Partition, Position, [.. _open.Order(StringComparer.Ordinal)]);

    public static JobTable Import(JobTableState state) => new(state.Partition, state.Position, state.OpenJobs);
}

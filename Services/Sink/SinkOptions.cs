namespace HpcAspire.Sink;

/// <summary>Where and how the sink writes, bound from <c>Sink</c>.</summary>
public sealed class SinkOptions
{
    public const string SectionName = "Sink";

    /// <summary>Root of the CSV files; empty means <c>&lt;ContentRoot&gt;/.data/sink</c>.</summary>
    public string OutputDirectory { get; set; } = "";

    /// <summary>A file is closed and a new one started before it would grow past this.</summary>
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>A file is closed and a new one started once it is this old.</summary>
    public TimeSpan MaxFileAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Checkpoint and commit after this many records… A checkpoint fsyncs every open file and renames a
    /// checkpoint file per partition: at 2,000 it took 13 % of the sink at 30,000 rows/s (15 a second).
    /// </summary>
    public int BatchSize { get; set; } = 10_000;

    /// <summary>…or after this long, whichever comes first.</summary>
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// …or as soon as no message has come for this long (the sink has caught up): a live stream's rows are durable
    /// a few milliseconds after they arrive instead of waiting for <see cref="BatchInterval"/>, which put 250 ms on
    /// the mean end-to-end latency at 1,000 readings/s. A sink that is behind is never idle, so its checkpoints stay
    /// on <see cref="BatchSize"/> and <see cref="BatchInterval"/>. Zero turns it off.
    /// </summary>
    public TimeSpan IdleCheckpoint { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// How long, in data time, a node's or job's last written result is remembered to recognise a
    /// copy of it (the processor's replay after a restart, an aborted transaction's output).
    /// </summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromHours(1);

    public string EnrichedReadingsTopic { get; set; } = "enriched-readings";

    public string JobEnergyTopic { get; set; } = "job-energy";

    public string ConsumerGroup { get; set; } = "sink";

    public void Validate()
    {
        if (MaxFileBytes <= 0)
        {
            throw new ArgumentException($"Sink:MaxFileBytes is {MaxFileBytes}; set it to a positive size in bytes.");
        }

        if (MaxFileAge <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Sink:MaxFileAge is {MaxFileAge}; set it to a positive duration such as 01:00:00.");
        }

        if (DuplicateWindow <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Sink:DuplicateWindow is {DuplicateWindow}; set it to a positive duration such as 01:00:00.");
        }

        if (BatchSize <= 0 || BatchInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Sink:BatchSize ({BatchSize}) and Sink:BatchInterval ({BatchInterval}) must both be positive.");
        }

        if (IdleCheckpoint < TimeSpan.Zero)
        {
            throw new ArgumentException($"Sink:IdleCheckpoint is {IdleCheckpoint}; set it to a short duration such as 00:00:00.005, or 0 to checkpoint only on Sink:BatchSize and Sink:BatchInterval.");
        }
    }
}

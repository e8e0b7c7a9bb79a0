namespace HpcAspire.Generator;

/// <summary>Which stream this generator sends.</summary>
public enum GeneratedStream
{
    NodeReadings,
    JobEvents,
}

/// <summary>Pacing and destination of a generator, bound from <c>Generator</c>.</summary>
public sealed class GeneratorOptions
{
    public const string SectionName = "Generator";

    public GeneratedStream Stream { get; set; } = GeneratedStream.NodeReadings;

    /// <summary>Simulated ticks per second of wall time; each node reads once per tick. 0 = as fast as possible.</summary>
    public double TicksPerSecond { get; set; } = 1;

    /// <summary>Send ticks 0 … MaxTicks-1 and stop (a reproducible run), however late the generator starts; 0 = run until stopped.</summary>
    public long MaxTicks { get; set; }

    public string Topic { get; set; } = "";

    /// <summary>
    /// Tick <c>n</c> is due at <c>Cluster:StartTime + n / TicksPerSecond</c> of wall time, so a live generator
    /// started later (or restarted) skips the ticks it missed and stays in step with the other one; a bounded one
    /// sends them late instead.
    /// </summary>
    public bool AlignToWallClock { get; set; }

    public string TopicOrDefault => Topic is { Length: > 0 } ? Topic : Stream == GeneratedStream.NodeReadings ? "node-readings" : "job-events";

    public void Validate()
    {
        if (TicksPerSecond < 0 || double.IsNaN(TicksPerSecond))
        {
            throw new ArgumentException($"Generator:TicksPerSecond is {TicksPerSecond}; set it to a positive rate, or 0 for as fast as possible.");
        }

        if (MaxTicks < 0)
        {
            throw new ArgumentException($"Generator:MaxTicks is {MaxTicks}; set it to a tick count, or 0 to run until stopped.");
        }
    }
}

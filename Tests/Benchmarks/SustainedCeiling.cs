using System.Globalization;

namespace HpcAspire.Benchmarks;

/// <summary>
/// The highest offered rate the Kafka application keeps up with: a search runs the pipeline at <c>start</c>, then
/// <c>step</c> more each run, until a run is not sustained (or <c>top</c> was kept up); the highest sustained rate of
/// each of <c>--repeats</c> searches (3 by default), and their median, is the result. Every run is a whole
/// <c>pipeline</c> run (a fresh AppHost and data directory), with the same options (<c>--results</c>, <c>--lead</c>,
/// <c>--warmup</c>, <c>--measured</c>, <c>--set</c>…).
/// </summary>
internal static class SustainedCeiling
{
    public const string Usage = "ceiling [start readings/s] [step] [top] [--repeats n]   (the highest sustained rate, the median of n searches)";

    /// <summary>The rates one search tries, in order: <paramref name="start"/>, then <paramref name="step"/> more each run, to <paramref name="top"/>.</summary>
    public static IReadOnlyList<int> Ladder(int start, int step, int top)
    {
        if (start <= 0 || step <= 0 || top < start)
        {
            throw new ArgumentException($"ceiling {start} {step} {top}: the start and the step must be positive and the top at least the start, e.g. ceiling 50000 5000 80000.");
        }

        return [.. Enumerable.Range(0, (top - start) / step + 1).Select(i => start + i * step)];
    }

    /// <summary>
    /// One search's result: the highest rate kept up before the first that was not, 0 when even the first was not,
    /// and whether the search stopped at its top without finding the limit.
    /// </summary>
    public static (int Highest, bool ReachedTop) Highest(IReadOnlyList<(int Rate, bool Sustained)> runs, int top)
    {
        var kept = runs.TakeWhile(r => r.Sustained).ToList();
        var highest = kept.Count == 0 ? 0 : kept[^1].Rate;
        return (highest, kept.Count == runs.Count && highest == top);
    }

    /// <summary>
    /// The searches the command line asks for: <c>ceiling [start] [step] [top] [--repeats n]</c>, with 50,000, 5,000,
    /// 100,000 and 3 only for what it leaves out. Every value is checked here, before any run: a given 0 is refused,
    /// naming it, not defaulted.
    /// </summary>
    public static (int Start, int Step, int Top, int Repeats, IReadOnlyList<int> Ladder) Plan(IReadOnlyList<int> positional, int? repeats)
    {
        var start = positional.Count > 0 ? positional[0] : 50_000;
        var step = positional.Count > 1 ? positional[1] : 5_000;
        var top = positional.Count > 2 ? positional[2] : 100_000;
        var ladder = Ladder(start, step, top);
        return repeats is null or > 0
            ? (start, step, top, repeats ?? 3, ladder)
            : throw new ArgumentException($"--repeats {repeats}: give the number of searches, e.g. --repeats 3.");
    }

    public static async Task<int> RunAsync(IReadOnlyList<int> positional, int? repeats)
    {
        var (start, step, top, searchCount, ladder) = Plan(positional, repeats);
        var options = PipelineRunOptions.FromCommandLine();
        Console.WriteLine($"ceiling (Kafka): {searchCount} searches from {start:N0}/s up by {step:N0}/s to {top:N0}/s, each run {options.Warmup.TotalSeconds:0} s warm-up " +
                          $"and {options.Measured.TotalSeconds:0} s measured; a search stops at its first run that is not sustained");
        var searches = new List<(IReadOnlyList<(int Rate, bool Sustained)> Runs, int Highest, bool ReachedTop)>();
        for (var search = 1; search <= searchCount; search++)
        {
            var runs = new List<(int Rate, bool Sustained)>();
            foreach (var rate in ladder)
            {
                Console.Error.WriteLine($"ceiling: search {search} of {searchCount}, {rate:N0}/s");
                var run = await PipelineBenchmark.RunOnceAsync(PipelineTarget.Kafka, rate, options);
                runs.Add((rate, run.Sustained));
                Console.Error.WriteLine($"ceiling: search {search}, {rate:N0}/s: {(run.Sustained ? "sustained" : $"NOT sustained ({run.Verdict})")}");
                if (!run.Sustained)
                {
                    break;
                }
            }

            var (highest, reachedTop) = Highest(runs, top);
            searches.Add((runs, highest, reachedTop));
        }

        Console.WriteLine();
        Console.WriteLine("| search | runs (offered readings/s: kept up or not) | highest sustained |");
        Console.WriteLine("|---|---|---|");
        foreach (var ((runs, highest, reachedTop), i) in searches.Select((s, i) => (s, i + 1)))
        {
            Console.WriteLine($"| {i} | {string.Join(", ", runs.Select(r => $"{r.Rate:N0} {(r.Sustained ? "yes" : "no")}"))} | " +
                              $"{(highest == 0 ? $"none (below {start:N0})" : $"{highest:N0}{(reachedTop ? " (the top: the limit is higher)" : "")}")} |");
        }

        var median = Statistics.Median(searches.Select(s => (double)s.Highest));
        Console.WriteLine();
        Console.WriteLine($"Highest sustained rate, the median of {searchCount} searches: {median.ToString("N0", CultureInfo.InvariantCulture)} readings/s");
        if (searches.Any(s => s.Highest == 0))
        {
            Console.WriteLine($"FAILED: a search could not keep up even at its first rate, {start:N0}/s");
            return 1;
        }

        return 0;
    }
}

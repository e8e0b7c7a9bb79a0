using System.Globalization;
using HpcAspire.Benchmarks.ClusterExperiments;

namespace HpcAspire.Benchmarks.Figures;

/// <summary>
/// The <c>runs-table [runs.csv]</c> verb: the tables of docs/benchmarks.md from the results file alone, one row per
/// application, settings and offered rate, in the file's order: every run's written rate, p50 and p99 (a cold run
/// marked), their medians, how many were sustained, the median cores and the highest peak working set of each service.
/// </summary>
internal static class RunsTable
{
    public static int Run(IReadOnlyList<string> args)
    {
        var file = args.ElementAtOrDefault(0) ?? Path.Combine("docs", "results", PipelinePlots.ResultsFileName);
        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"runs-table: {file} does not exist; give a results file written by `pipeline … --results <file>`.");
            return 2;
        }

        foreach (var line in Lines(ResultsFile.Read(file)))
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    public static IEnumerable<string> Lines(IReadOnlyList<ResultRow> runs)
    {
        yield return "| application | settings | offered/s | written/s (runs) | p50 ms (runs) | p99 ms (runs) | median p50 / p99 ms | sustained | " +
                     "cores: generator, processor, sink, other (median) | peak MB: generator, processor, sink (highest) | host steal % (runs) |";
        yield return "|---|---|---:|---|---|---|---|---|---|---|---|";
        var groups = runs.GroupBy(r => (Application: r.Text("application"), Settings: r.Text("settings"), Rate: r.Number("offered_per_s")));
        foreach (var group in groups)
        {
            var cell = group.ToList();
            string Each(string column, string format) => string.Join(", ", cell.Select(r => Number(r.Number(column), format) + (r.Text("cold") == "true" ? " (cold)" : "")));
            string Median(string column, string format) => Number(Statistics.Median(cell.Select(r => r.Number(column)).Where(double.IsFinite)), format);
            string Highest(string column) => Number(cell.Select(r => r.Number(column)).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max(), "0");
            yield return $"| {group.Key.Application} | {(group.Key.Settings.Length > 0 ? group.Key.Settings : "defaults")} | {Number(group.Key.Rate, "N0")} | " +
                         $"{Each("written_per_s", "N0")} | {Each("p50_ms", "0.#")} | {Each("p99_ms", "0.#")} | " +
                         $"{Median("p50_ms", "0.#")} / {Median("p99_ms", "0.#")} | {cell.Count(r => r.Text("sustained") == "true")} of {cell.Count} | " +
                         $"{Median("generator_cores", "0.00")}, {Median("processor_cores", "0.00")}, {Median("sink_cores", "0.00")}, {Median("other_cores", "0.00")} | " +
                         $"{Highest("generator_mb")}, {Highest("processor_mb")}, {Highest("sink_mb")} | {string.Join(", ", cell.Select(r => Number(r.Number("steal_pct"), "0")))} |";
        }
    }

    private static string Number(double value, string format) => double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "–";
}

using System.Globalization;
using HpcAspire.Benchmarks.ClusterExperiments;

namespace HpcAspire.Benchmarks.Latency;

/// <summary>
/// The latency plots, drawn from <c>&lt;results&gt;/latency/stage-budget.csv</c> alone (written by
/// <c>pipeline … --budget … --label …</c>): per application and offered rate, each stage's mean with one bar per label
/// (before/after a change); and the end-to-end p50 and p99 per offered rate and label (the defaults against the
/// throughput setting).
/// </summary>
internal static class LatencyPlots
{
    private const string EndToEnd = "end to end: reading time → row durable";

    /// <summary>The <c>latency-plots [results folder] [images folder]</c> verb (docs/results and docs/images by default).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        var drawn = Draw(args.ElementAtOrDefault(0) ?? "docs/results", args.ElementAtOrDefault(1) ?? "docs/images");
        foreach (var path in drawn)
        {
            Console.WriteLine(path);
        }

        return drawn.Count > 0 ? 0 : 1;
    }

    public static IReadOnlyList<string> Draw(string resultsDirectory, string imagesDirectory)
    {
        var file = Path.Combine(resultsDirectory, "latency", "stage-budget.csv");
        if (!File.Exists(file))
        {
            return [];
        }

        Directory.CreateDirectory(imagesDirectory);
        var rows = File.ReadLines(file).Skip(1).Select(Parse).ToList();
        var drawn = new List<string>();
        foreach (var cell in rows.GroupBy(r => (r.Application, r.Rate)))
        {
            var labels = cell.Select(r => r.Label).Distinct().ToList();
            // The stages in the order of a run's budget (the newest label's, which has every stage), the end to end last.
            var stages = cell.Where(r => r.Label == labels[^1]).Select(r => r.Stage)
                .Concat(cell.Select(r => r.Stage)).Distinct().OrderBy(s => s == EndToEnd).ToList();
            var chart = new GroupedBarChart($"Where a reading's time goes at {cell.Key.Rate:N0} readings/s ({cell.Key.Application}, exactly-once): mean per stage",
                "stage (broker waits include the producer's linger; the remainder is what no histogram covers)", "milliseconds (mean; median of the runs)",
                stages.Select(s => Wrap(Short(s))).ToList());
            foreach (var label in labels)
            {
                var means = stages.Select(s => Statistics.Median(cell.Where(r => r.Label == label && r.Stage == s).Select(r => r.MeanMs).Where(double.IsFinite).ToList())).ToArray();
                var p99 = Statistics.Median(cell.Where(r => r.Label == label && r.Stage == EndToEnd).Select(r => r.P99Ms).Where(double.IsFinite).ToList());
                chart.Series(label, means, notes: stages.Select(s => s == EndToEnd && double.IsFinite(p99) ? $"p99 {p99:0}" : null).ToArray());
            }

            var path = Path.Combine(imagesDirectory, $"latency-budget-{cell.Key.Application}-{cell.Key.Rate}.png");
            chart.Save(path, 1700, 680);
            drawn.Add(path);
        }

        var endToEnd = rows.Where(r => r.Stage == EndToEnd).ToList();
        foreach (var application in endToEnd.Select(r => r.Application).Distinct())
        {
            var mine = endToEnd.Where(r => r.Application == application).ToList();
            var rates = mine.Select(r => r.Rate).Distinct().Order().ToList();
            var chart = new GroupedBarChart($"End-to-end latency to a durable CSV row by offered rate ({application}, exactly-once)",
                "offered readings per second", "milliseconds (bar = median of the runs, dots = runs)", rates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)).ToList());
            foreach (var label in mine.Select(r => r.Label).Distinct())
            {
                foreach (var (name, pick) in new (string, Func<BudgetLine, double>)[] { ("p50", r => r.P50Ms), ("p99", r => r.P99Ms) })
                {
                    var runs = rates.Select(rate => (IReadOnlyList<double>)mine.Where(r => r.Label == label && r.Rate == rate).Select(pick).Where(double.IsFinite).ToList()).ToArray();
                    chart.Series($"{label}, {name}", runs.Select(Statistics.Median).ToArray(), runs);
                }
            }

            chart.Reference("p99 target at 1,000/s (100 ms)", 100).Reference("p99 target at 20,000/s (250 ms)", 250);
            var path = Path.Combine(imagesDirectory, $"latency-end-to-end-{application}.png");
            chart.Save(path, 1200, 560);
            drawn.Add(path);
        }

        return drawn;
    }

    private sealed record BudgetLine(string Label, string Application, int Rate, string Stage, double MeanMs, double P50Ms, double P99Ms);

    private static BudgetLine Parse(string line)
    {
        // label,application,offered_per_s,"stage",mean_ms,p50_ms,p99_ms,values,date — the stage is the only quoted field.
        var open = line.IndexOf('"');
        var close = line.IndexOf('"', open + 1);
        var head = line[..open].TrimEnd(',').Split(',');
        var tail = line[(close + 2)..].Split(',');
        return new BudgetLine(head[0], head[1], int.Parse(head[2], CultureInfo.InvariantCulture), line[(open + 1)..close], Number(tail[0]), Number(tail[1]), Number(tail[2]));

        static double Number(string text) => double.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;
    }

    // A stage's name without its explanation in brackets, for an axis label.
    private static string Short(string stage) => stage.IndexOf(" (", StringComparison.Ordinal) is > 0 and var at ? stage[..at] : stage;

    // Long stage names over several lines, so the groups' labels do not overlap.
    private static string Wrap(string stage)
    {
        var words = stage.Split(' ');
        var lines = new List<string> { "" };
        foreach (var word in words)
        {
            if (lines[^1].Length + word.Length > 16 && lines[^1].Length > 0)
            {
                lines.Add("");
            }

            lines[^1] = lines[^1].Length == 0 ? word : $"{lines[^1]} {word}";
        }

        return string.Join('\n', lines);
    }
}

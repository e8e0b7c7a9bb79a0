using System.Globalization;
using ScottPlot;

namespace HpcAspire.Benchmarks.Profiling;

/// <summary>
/// Part 4's plots, drawn from <c>&lt;results&gt;/part4/loop-times.csv</c> alone (written by the <c>profile</c> verb): per
/// application, each service's loop time at each offered rate (bar = mean of the runs' means, thick error bar = standard
/// deviation between runs, thin grey whisker = the median standard deviation within a run), over the runs that kept up
/// with the offered rate (the label says how many of all); and per experiment, the same for its settings against the
/// baseline at the experiment's rate.
/// </summary>
internal static class Part4Plots
{
    public const string ResultsFileName = "part4/loop-times.csv";

    private static readonly Color[] Palette = [Colors.SteelBlue, Colors.DarkOrange, Colors.SeaGreen, Colors.FireBrick, Colors.MediumPurple, Colors.GoldenRod];
    private static readonly string[] ServiceOrder = ["generator", "processor", "sink"];

    public static IReadOnlyList<string> Draw(string resultsDirectory, string imagesDirectory)
    {
        var rows = LoopTimeRow.ReadAll(Path.Combine(resultsDirectory, ResultsFileName));
        if (rows.Count == 0)
        {
            return [];
        }

        Directory.CreateDirectory(imagesDirectory);
        // The runs that kept up with the offered rate, where a cell has some; a cell whose runs all fell behind shows them all, labelled.
        var keptUp = LoopTimeCell.Summarise(rows.Where(r => r.Sustained)).ToDictionary(c => (c.Experiment, c.Application, c.Rate, c.Service));
        var cells = LoopTimeCell.Summarise(rows).Select(c => keptUp.GetValueOrDefault((c.Experiment, c.Application, c.Rate, c.Service)) is { } kept
            ? kept with { Runs = c.Runs } : c).ToList();
        var drawn = new List<string>();
        foreach (var application in cells.Where(c => c.Experiment == "baseline").Select(c => c.Application).Distinct().Order(StringComparer.Ordinal))
        {
            var mine = cells.Where(c => c.Experiment == "baseline" && c.Application == application).ToList();
            var series = mine.Select(c => c.Rate).Distinct().Order().Select(rate =>
                ($"{rate:N0} readings/s", mine.Where(c => c.Rate == rate).ToList())).ToList();
            var path = Path.Combine(imagesDirectory, $"part4-loop-times-{application}.png");
            Save(path, $"Loop time per service ({application}): mean over runs ± sd between runs (thick) and sd within a run (thin)", series);
            drawn.Add(path);
        }

        // The experiments, and Bonus 4's bottleneck and mitigation, each against the baseline or the control run in the same rounds.
        foreach (var (family, isBonus) in new[] { ("experiments", false), ("bonus4", true) })
        {
            foreach (var cell in cells.Where(c => c.Experiment is not ("baseline" or "control") && IsBonus(c.Experiment) == isBonus).GroupBy(c => (c.Application, c.Rate)))
            {
                var series = new List<(string, List<LoopTimeCell>)>();
                foreach (var reference in new[] { "baseline", "control" })
                {
                    if (cells.Where(c => c.Experiment == reference && c.Application == cell.Key.Application && c.Rate == cell.Key.Rate).ToList() is { Count: > 0 } same)
                    {
                        series.Add((reference, same));
                    }
                }

                series.AddRange(cell.GroupBy(c => c.Experiment).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.ToList())));
                var path = Path.Combine(imagesDirectory, $"part4-{family}-{cell.Key.Application}-{cell.Key.Rate}.png");
                Save(path, $"Loop time per service, {(isBonus ? "a bottleneck produced and one mitigated" : "one change per experiment")} ({cell.Key.Application}, {cell.Key.Rate:N0} readings/s)",
                    series, 1500);
                drawn.Add(path);
            }
        }

        return drawn;
    }

    private static bool IsBonus(string experiment) =>
        experiment.StartsWith("bottleneck:", StringComparison.Ordinal) || experiment.StartsWith("mitigation:", StringComparison.Ordinal);

    private static void Save(string path, string title, IReadOnlyList<(string Name, List<LoopTimeCell> Cells)> series, int width = 1200)
    {
        var plot = new Plot();
        var barWidth = 0.8 / Math.Max(1, series.Count);
        var legend = new List<LegendItem>();
        var top = 0.0;
        for (var s = 0; s < series.Count; s++)
        {
            var color = Palette[s % Palette.Length];
            var bars = new List<Bar>();
            for (var g = 0; g < ServiceOrder.Length; g++)
            {
                if (series[s].Cells.FirstOrDefault(c => c.Service == ServiceOrder[g]) is not { } cell)
                {
                    continue;
                }

                var x = g - 0.4 + barWidth * (s + 0.5);
                var between = double.IsFinite(cell.StdBetweenRunsMs) ? cell.StdBetweenRunsMs : 0;
                bars.Add(new Bar
                {
                    Position = x, Value = cell.MeanOfMeansMs, Error = between, Size = barWidth * 0.9, FillColor = color,
                    Label = cell.MeanOfMeansMs.ToString(cell.MeanOfMeansMs < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) +
                            (cell.SustainedRuns == 0 ? $"\nall {cell.Runs} behind"
                                : cell.SustainedRuns < cell.Runs ? $"\n{cell.SustainedRuns}/{cell.Runs} kept up" : ""),
                });
                var within = plot.Add.Line(x + barWidth * 0.25, Math.Max(0, cell.MeanOfMeansMs - cell.MedianStdWithinMs), x + barWidth * 0.25, cell.MeanOfMeansMs + cell.MedianStdWithinMs);
                within.LineColor = Colors.Gray;
                within.LineWidth = 1.5f;
                top = Math.Max(top, Math.Max(cell.MeanOfMeansMs + between, cell.MeanOfMeansMs + cell.MedianStdWithinMs));
            }

            var plotted = plot.Add.Bars(bars);
            plotted.ValueLabelStyle.FontSize = 11;
            legend.Add(new LegendItem { LabelText = series[s].Name, FillColor = color });
        }

        legend.Add(new LegendItem { LabelText = "sd within a run (median of runs)", LineColor = Colors.Gray, LineWidth = 1.5f });
        plot.Axes.Bottom.SetTicks([0, 1, 2], ["generator\n(tick → serialize → produce)", "processor\n(batch → join → produce → commit)", "sink\n(batch → write → fsync → checkpoint)"]);
        plot.Axes.SetLimits(-0.6, ServiceOrder.Length - 0.4, 0, top <= 0 ? 1 : top * 1.15);
        plot.Title(title);
        plot.YLabel("milliseconds per loop turn");
        plot.Legend.ManualItems.AddRange(legend);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, width, 600);
    }
}

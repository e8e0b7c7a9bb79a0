using ScottPlot;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// Bars in groups (one group per x label, one bar per series), with optional dots for the single runs behind a bar
/// (a median) and a min–max whisker over them, and a text over a bar: the one chart shape every results plot uses.
/// </summary>
internal sealed class GroupedBarChart(string title, string xLabel, string yLabel, IReadOnlyList<string> groups)
{
    private static readonly Color[] Palette = [Colors.SteelBlue, Colors.DarkOrange, Colors.SeaGreen, Colors.FireBrick, Colors.MediumPurple, Colors.GoldenRod];
    private readonly List<(string Name, double[] Values, IReadOnlyList<double>[]? Runs, string?[]? Notes)> _series = [];

    /// <summary>What the dots over a bar are, for the legend.</summary>
    public string DotsLabel { get; init; } = "single runs (bar = median)";

    public GroupedBarChart Series(string name, double[] values, IReadOnlyList<double>[]? runs = null, string?[]? notes = null)
    {
        _series.Add((name, values, runs, notes));
        return this;
    }

    /// <summary>A dashed horizontal reference line with its meaning in the legend.</summary>
    public GroupedBarChart Reference(string name, double y)
    {
        _references.Add((name, y));
        return this;
    }

    public void Save(string path, int width = 1200, int height = 560)
    {
        var plot = new Plot();
        var width1 = 0.8 / Math.Max(1, _series.Count);
        var legend = new List<LegendItem>();
        var top = 0.0;
        for (var s = 0; s < _series.Count; s++)
        {
            var (name, values, runs, notes) = _series[s];
            var color = Palette[s % Palette.Length];
            var bars = new List<Bar>();
            var overlays = new List<Action>(); // drawn after the bars, so that the bars do not hide them
            for (var g = 0; g < groups.Count; g++)
            {
                var x = g - 0.4 + width1 * (s + 0.5);
                var value = g < values.Length && double.IsFinite(values[g]) ? values[g] : 0;
                bars.Add(new Bar { Position = x, Value = value, Size = width1 * 0.92, FillColor = color });
                top = Math.Max(top, value);
                if (runs?[g] is { Count: > 1 } points)
                {
                    // The whisker spans the runs' range (min to max), capped at both ends; the dots are the runs.
                    var (low, high) = (points.Min(), points.Max());
                    var cap = width1 * 0.25;
                    overlays.Add(() =>
                    {
                        foreach (var (x1, y1, x2, y2) in new[] { (x, low, x, high), (x - cap, low, x + cap, low), (x - cap, high, x + cap, high) })
                        {
                            var whisker = plot.Add.Line(x1, y1, x2, y2);
                            whisker.LineColor = Colors.Black;
                            whisker.LineWidth = 1.2f;
                        }

                        var dots = plot.Add.Scatter(points.Select(_ => x).ToArray(), points.ToArray(), Colors.Black);
                        dots.LineWidth = 0;
                        dots.MarkerSize = 6;
                    });
                    top = Math.Max(top, high);
                }

                if (notes?[g] is { Length: > 0 } note)
                {
                    overlays.Add(() =>
                    {
                        var text = plot.Add.Text(note, x, value);
                        text.LabelFontSize = 11;
                        text.LabelAlignment = Alignment.LowerCenter;
                    });
                }
            }

            plot.Add.Bars(bars);
            overlays.ForEach(draw => draw());
            legend.Add(new LegendItem { LabelText = name, FillColor = color });
        }

        foreach (var (name, y) in _references)
        {
            var line = plot.Add.HorizontalLine(y, 1.5f, Colors.Gray, LinePattern.Dashed);
            legend.Add(new LegendItem { LabelText = name, LineColor = Colors.Gray, LinePattern = LinePattern.Dashed, LineWidth = 1.5f });
            top = Math.Max(top, y);
        }

        if (_series.Any(s => s.Runs is not null))
        {
            legend.Add(new LegendItem { LabelText = DotsLabel, MarkerShape = MarkerShape.FilledCircle, MarkerColor = Colors.Black, MarkerSize = 6 });
            legend.Add(new LegendItem { LabelText = "whisker: min–max of the runs", LineColor = Colors.Black, LineWidth = 1.2f });
        }

        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, groups.Count).Select(g => (double)g).ToArray(), groups.ToArray());
        plot.Axes.SetLimits(-0.6, groups.Count - 0.4, 0, top <= 0 ? 1 : top * 1.18);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        // Beside the plot, not over the bars.
        plot.Legend.ManualItems.AddRange(legend);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, width, height);
    }

    private readonly List<(string Name, double Y)> _references = [];
}

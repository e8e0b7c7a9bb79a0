using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;

namespace HpcAspire.Benchmarks.Profiling;

/// <summary>
/// One service's loop over one run's measured window, from its <c>loop</c> stage histogram (one value per turn):
/// how many turns, their mean and standard deviation (within the run), p50 and p99, all in milliseconds.
/// </summary>
internal sealed record LoopTime(string Service, long Loops, double MeanMs, double StdMs, double P50Ms, double P99Ms)
{
    /// <summary>The services whose loops Part 4 times, by their name in the results and their resource name (without the transport's prefix).</summary>
    public static readonly IReadOnlyList<(string Service, string Resource)> Services =
        [("generator", "node-reading-generator"), ("processor", "processor"), ("sink", "sink")];

    /// <summary>Each service's loop in a run's measured window (a service with no turn in it has Loops 0 and NaN times).</summary>
    public static IReadOnlyList<LoopTime> Of(StageHistograms window, PipelineTarget target) =>
        Services.Select(s => From(s.Service, window.Get(target.ResourcePrefix + s.Resource, "hpcaspire.stage.duration", Messaging.PipelineStages.Loop, ""))).ToList();

    /// <summary>
    /// Mean and standard deviation of a bucketed histogram, each value taken as its bucket's geometric middle (buckets
    /// are 2 % wide, so either is within about 1 % of the values' own).
    /// </summary>
    public static LoopTime From(string service, Histogram histogram)
    {
        var count = histogram.Count;
        if (count == 0)
        {
            return new LoopTime(service, 0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var mean = histogram.Mean();
        var variance = histogram.Counts.Sum(c => c.Value * Math.Pow(Middle(c.Key) - mean, 2)) / Math.Max(1, count - 1);
        return new LoopTime(service, count, mean, Math.Sqrt(variance), histogram.Percentile(0.5), histogram.Percentile(0.99));

        static double Middle(int bucket) => Histogram.UpperMilliseconds(bucket) / Math.Sqrt(HistogramFile.Growth);
    }
}

/// <summary>A row of <c>docs/results/part4/loop-times.csv</c>: one service's loop in one run.</summary>
internal sealed record LoopTimeRow(string Experiment, string Application, int Rate, int Run, string Service, long Loops, double MeanMs, double StdMs,
    double P50Ms, double P99Ms, bool Sustained, string Date, string Commit, string Settings)
{
    public const string Header = "experiment,application,offered_per_s,run,service,loops,mean_ms,std_ms,p50_ms,p99_ms,sustained,date,commit,settings";

    public string ToCsv() => string.Join(',', Experiment, Application, Rate.ToString(CultureInfo.InvariantCulture), Run.ToString(CultureInfo.InvariantCulture),
        Service, Loops.ToString(CultureInfo.InvariantCulture), F(MeanMs), F(StdMs), F(P50Ms), F(P99Ms), Sustained ? "true" : "false", Date, Commit,
        Settings.Replace(',', ';'));

    public static LoopTimeRow Parse(string line)
    {
        var f = line.Split(',');
        return new LoopTimeRow(f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture), f[4],
            long.Parse(f[5], CultureInfo.InvariantCulture), N(f[6]), N(f[7]), N(f[8]), N(f[9]), f[10] == "true", f[11], f[12], f.Length > 13 ? f[13] : "");
    }

    public static IReadOnlyList<LoopTimeRow> ReadAll(string file) =>
        File.Exists(file) ? File.ReadLines(file).Skip(1).Where(l => l.Length > 0).Select(Parse).ToList() : [];

    public static void Append(string file, IEnumerable<LoopTimeRow> rows)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var text = new StringBuilder(File.Exists(file) && new FileInfo(file).Length > 0 ? "" : Header + "\n");
        foreach (var row in rows)
        {
            text.Append(row.ToCsv()).Append('\n');
        }

        File.AppendAllText(file, text.ToString());
    }

    private static string F(double value) => double.IsNaN(value) ? "" : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static double N(string text) => double.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;
}

/// <summary>
/// One cell of the Part 4 table (an experiment, application, rate and service over its runs): the mean of the runs'
/// means with the standard deviation between runs, the median of the runs' means, and the median of the standard
/// deviations within a run — the spread between runs next to the spread within one.
/// </summary>
internal sealed record LoopTimeCell(string Experiment, string Application, int Rate, string Service, int Runs, int SustainedRuns, double MeanOfMeansMs,
    double StdBetweenRunsMs, double MedianOfMeansMs, double MedianStdWithinMs, double MedianLoops)
{
    public static IReadOnlyList<LoopTimeCell> Summarise(IEnumerable<LoopTimeRow> rows) =>
        rows.Where(r => r.Loops > 0)
            .GroupBy(r => (r.Experiment, r.Application, r.Rate, r.Service))
            .Select(g =>
            {
                var means = g.Select(r => r.MeanMs).ToList();
                var mean = means.Average();
                var between = means.Count > 1 ? Math.Sqrt(means.Sum(m => (m - mean) * (m - mean)) / (means.Count - 1)) : double.NaN;
                return new LoopTimeCell(g.Key.Experiment, g.Key.Application, g.Key.Rate, g.Key.Service, g.Count(), g.Count(r => r.Sustained), mean, between,
                    Statistics.Median(means), Statistics.Median(g.Select(r => r.StdMs).ToList()), Statistics.Median(g.Select(r => (double)r.Loops).ToList()));
            })
            .ToList();
}

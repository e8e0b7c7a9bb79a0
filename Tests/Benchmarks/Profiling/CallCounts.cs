using System.Globalization;
using System.Text;

namespace HpcAspire.Benchmarks.Profiling;

/// <summary>
/// Part 4's call counts, event-based: every call of an instrumented method records one value in its stage histogram
/// (<c>hpcaspire.stage.duration</c> by stage and destination, <c>hpcaspire.broker.wait</c>, <c>hpcaspire.pipeline.latency</c>),
/// so with <c>Messaging:StageTimingEvery=1</c> a histogram's count over the measured window is that method's number of
/// calls (with the default of 8, about an eighth of them). Appended to <c>docs/results/part4/call-counts.csv</c>.
/// </summary>
internal static class CallCounts
{
    public const string Header = "experiment,application,offered_per_s,run,service,instrument,stage,destination,calls,calls_per_s";

    public static void Append(string file, string experiment, PipelineTarget target, int rate, int run, StageHistograms window, TimeSpan measured)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var text = new StringBuilder(File.Exists(file) && new FileInfo(file).Length > 0 ? "" : Header + "\n");
        foreach (var (service, instrument, stage, destination, count) in window.Totals().Where(t => t.Count > 0).OrderBy(t => t.Service, StringComparer.Ordinal)
                     .ThenByDescending(t => t.Count))
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{experiment},{target.Application},{rate},{run},{service},{instrument},{stage},{destination},{count},{count / measured.TotalSeconds:0.#}\n");
        }

        File.AppendAllText(file, text.ToString());
    }

    /// <summary>
    /// Per experiment, application, rate and service, its <paramref name="top"/> most called instrumented methods (by
    /// stage), the median over the runs of their calls a second.
    /// </summary>
    public static string Table(string file, int top = 3)
    {
        if (!File.Exists(file))
        {
            return $"no {file}";
        }

        var rows = File.ReadLines(file).Skip(1).Select(l => l.Split(',')).Where(f => f.Length >= 10).ToList();
        var text = new StringBuilder("| experiment | application | offered/s | service | rank | stage (instrument) | calls/s (median of runs) | runs |\n|---|---|---|---|---|---|---|---|\n");
        foreach (var service in rows.GroupBy(f => (Experiment: f[0], Application: f[1], Rate: int.Parse(f[2], CultureInfo.InvariantCulture), Service: f[4]))
                     .OrderBy(g => g.Key.Experiment, StringComparer.Ordinal).ThenBy(g => g.Key.Application, StringComparer.Ordinal).ThenBy(g => g.Key.Rate)
                     .ThenBy(g => g.Key.Service, StringComparer.Ordinal))
        {
            var ranked = service.GroupBy(f => (Instrument: f[5], Stage: f[6]))
                .Select(g => (g.Key, PerSecond: Statistics.Median(g.GroupBy(f => f[3]).Select(run => run.Sum(f => double.Parse(f[9], CultureInfo.InvariantCulture)))),
                    Runs: g.Select(f => f[3]).Distinct().Count()))
                .OrderByDescending(m => m.PerSecond).Take(top).ToList();
            for (var i = 0; i < ranked.Count; i++)
            {
                var (key, perSecond, runs) = ranked[i];
                var stage = key.Stage.Length > 0 ? $"{key.Stage} ({key.Instrument})" : key.Instrument;
                text.Append(CultureInfo.InvariantCulture,
                    $"| {service.Key.Experiment} | {service.Key.Application} | {service.Key.Rate:N0} | {service.Key.Service} | {i + 1} | {stage} | {perSecond:N0} | {runs} |\n");
            }
        }

        return text.ToString().TrimEnd();
    }
}

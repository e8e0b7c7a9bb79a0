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
}

using System.Globalization;
using System.Text;

namespace HpcAspire.Benchmarks.Profiling;

/// <summary>
/// The <c>profile</c> verb, Part 4's loop times: the whole application in embedded mode run <c>--runs</c> times per
/// transport and offered rate, each run's measured window read from the services' own <c>loop</c> stage histograms
/// (one value per turn of the generator's tick, the processor's batch, the sink's checkpointed batch), one row per run
/// and service appended to <c>docs/results/part4/loop-times.csv</c>, and every stage histogram's count (the calls of the
/// instrumented methods, <see cref="CallCounts"/>) to <c>call-counts.csv</c> beside it.
/// </summary>
/// <remarks>
/// <c>profile [kafka|rabbitmq|both] [rates…] [--runs n] [--experiment name] [--out file] [--counts file] [--env NAME=value …] [--quick]</c>
/// and the pipeline's options (<c>--set Key=Value</c>, <c>--warmup s</c>, <c>--measured s</c>, <c>--lead s</c>).
/// <c>--env</c> sets an environment variable of the services only (the AppHost's children inherit this process's
/// environment, which the runtime here read at its start). <c>--quick</c> is one short run at 1,000/s, for the tooling's
/// test. <c>profile table [--results file]</c> prints the loop-time table of docs/part4-profiling.md from the results file,
/// <c>profile counts [--results file]</c> the three most called instrumented methods per service from call-counts.csv.
/// </remarks>
internal static class ProfileCommand
{
    public const string DefaultResults = "docs/results/part4/loop-times.csv";
    public const string DefaultCounts = "docs/results/part4/call-counts.csv";
    public const string Usage = "profile [kafka|rabbitmq|both] [rates…] [--runs n] [--experiment name] [--out file] [--counts file] [--env NAME=value …] [--quick] | profile table|counts [--results file]";

    private static readonly string[] OwnOptions = ["--runs", "--experiment", "--out", "--counts", "--env", "--results"];

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args.FirstOrDefault() == "table")
        {
            Console.WriteLine(Table(LoopTimeRow.ReadAll(Option(args, "--results") ?? DefaultResults)));
            return 0;
        }

        if (args.FirstOrDefault() == "counts")
        {
            Console.WriteLine(CallCounts.Table(Option(args, "--results") ?? DefaultCounts));
            return 0;
        }

        var quick = args.Contains("--quick");
        var positional = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !IsValueOf(args, i))).ToList();
        var transports = positional.FirstOrDefault() switch
        {
            "kafka" => [PipelineTarget.Kafka],
            "rabbitmq" => [PipelineTarget.RabbitMQ(1)],
            _ => new[] { PipelineTarget.Kafka, PipelineTarget.RabbitMQ(1) },
        };
        var rates = positional.Where(p => int.TryParse(p, out _)).Select(int.Parse).ToList() is { Count: > 0 } given ? given : quick ? [1_000] : [1_000, 20_000];
        var runs = int.Parse(Option(args, "--runs") ?? (quick ? "1" : "10"), CultureInfo.InvariantCulture);
        var experiment = Option(args, "--experiment") ?? "baseline";
        var results = Option(args, "--out") ?? DefaultResults;
        var counts = Option(args, "--counts") ?? Path.Combine(Path.GetDirectoryName(results) ?? "", Path.GetFileName(DefaultCounts));
        foreach (var variable in Options(args, "--env"))
        {
            var at = variable.IndexOf('=');
            Environment.SetEnvironmentVariable(variable[..at], variable[(at + 1)..]);
        }

        // Short runs: the processor's and the sink's loops turn several times a second, so 20 s measured holds hundreds of
        // turns (the generator's, one a tick, 20 at 1,000/s). The lead stays 60 s: the services take 45–60 s to be healthy
        // on two busy cores, and a run that starts with a backlog measures the backlog.
        // The command line's options first: the pipeline's parser takes an option's first value.
        var pipelineArgs = args.Where((_, i) => !IsOwn(args, i)).ToList();
        pipelineArgs.AddRange(["--warmup", quick ? "5" : "10", "--measured", quick ? "10" : "20", "--lead", "60"]);
        var options = PipelineRunOptions.Parse(pipelineArgs);
        var settings = string.Join(' ', options.Settings.Concat(Options(args, "--env")));
        Console.WriteLine($"profile ({experiment}): {string.Join(", ", transports.Select(t => t.Name))} at {string.Join(", ", rates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))}/s, " +
                          $"{runs} run(s) each, {options.Warmup.TotalSeconds:0} s warm-up + {options.Measured.TotalSeconds:0} s measured" +
                          (settings.Length > 0 ? $"; {settings}" : "") + $"; rows to {results}");

        // Runs go on from those already in the file for the same experiment, application and rate (rounds of one run each).
        var earlier = LoopTimeRow.ReadAll(results);
        var written = new List<LoopTimeRow>();
        var behind = new List<string>();
        foreach (var target in transports)
        {
            foreach (var rate in rates)
            {
                var first = earlier.Where(r => r.Experiment == experiment && r.Application == target.Application && r.Rate == rate).Select(r => r.Run).DefaultIfEmpty(0).Max() + 1;
                for (var run = first; run < first + runs; run++)
                {
                    var result = await PipelineBenchmark.RunOnceAsync(target, rate, options);
                    var date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                    var rows = LoopTime.Of(result.Histograms, target).Select(l => new LoopTimeRow(experiment, target.Application, rate, run, l.Service, l.Loops,
                        l.MeanMs, l.StdMs, l.P50Ms, l.P99Ms, result.Sustained, date, PipelineBenchmark.GitCommit(), settings)).ToList();
                    LoopTimeRow.Append(results, rows);
                    CallCounts.Append(counts, experiment, target, rate, run, result.Histograms, options.Measured);
                    written.AddRange(rows);
                    Console.WriteLine($"  {target.Application} {rate:N0}/s run {run}: " + string.Join("; ", rows.Select(r => $"{r.Service} {r.MeanMs:0.0} ± {r.StdMs:0.0} ms ({r.Loops:N0} loops)")) +
                                      (result.Sustained ? "" : $"  FELL BEHIND: {result.Verdict}"));
                    if (!result.Sustained)
                    {
                        behind.Add($"{target.Application} {rate:N0}/s run {run}: {result.Verdict}");
                    }
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine(Table(written));
        if (behind.Count > 0)
        {
            // Loudly: a loop time measured while the application falls behind describes a backlog, not the offered rate.
            Console.WriteLine();
            Console.WriteLine($"WARNING: {behind.Count} run(s) FELL BEHIND the offered rate: {string.Join("; ", behind)}");
        }

        return written.Any(r => r.Loops > 0) ? 0 : 1;
    }

    /// <summary>
    /// The Part 4 table: per experiment, application, rate and service, the loop time over all runs and over the runs
    /// that kept up with the offered rate (a run that fell behind times a backlog, not the workload).
    /// </summary>
    public static string Table(IEnumerable<LoopTimeRow> rows)
    {
        var all = rows.ToList();
        var keptUp = LoopTimeCell.Summarise(all.Where(r => r.Sustained)).ToDictionary(c => (c.Experiment, c.Application, c.Rate, c.Service));
        var text = new StringBuilder("| experiment | application | offered/s | service | runs (kept up) | loops/run (median) | loop mean ± sd between runs | " +
                                     "median of run means | sd within a run (median) | kept-up runs: mean ± sd between | sd within |\n" +
                                     "|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var cell in LoopTimeCell.Summarise(all).OrderBy(c => c.Experiment != "baseline").ThenBy(c => c.Experiment, StringComparer.Ordinal)
                     .ThenBy(c => c.Application, StringComparer.Ordinal).ThenBy(c => c.Rate).ThenBy(c => Array.IndexOf(["generator", "processor", "sink"], c.Service)))
        {
            var kept = keptUp.GetValueOrDefault((cell.Experiment, cell.Application, cell.Rate, cell.Service));
            var keptColumns = kept is null ? "– | –" : $"{Ms(kept.MeanOfMeansMs)} ± {Ms(kept.StdBetweenRunsMs)} | {Ms(kept.MedianStdWithinMs)}";
            text.Append(CultureInfo.InvariantCulture,
                $"| {cell.Experiment} | {cell.Application} | {cell.Rate:N0} | {cell.Service} | {cell.Runs} ({cell.SustainedRuns}) | {cell.MedianLoops:N0} | " +
                $"{Ms(cell.MeanOfMeansMs)} ± {Ms(cell.StdBetweenRunsMs)} | {Ms(cell.MedianOfMeansMs)} | {Ms(cell.MedianStdWithinMs)} | {keptColumns} |\n");
        }

        return text.ToString().TrimEnd();

        static string Ms(double value) => double.IsNaN(value) ? "–" : value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";
    }

    private static string? Option(IReadOnlyList<string> args, string name) => Options(args, name).LastOrDefault();

    private static IEnumerable<string> Options(IReadOnlyList<string> args, string name) =>
        args.Select((a, i) => (a, i)).Where(x => x.a == name && x.i + 1 < args.Count).Select(x => args[x.i + 1]);

    private static bool IsValueOf(IReadOnlyList<string> args, int index) => index > 0 && args[index - 1].StartsWith("--", StringComparison.Ordinal) && args[index - 1] != "--quick";

    // This verb's own options and their values, which the pipeline's options do not take.
    private static bool IsOwn(IReadOnlyList<string> args, int index) =>
        args[index] == "--quick" || OwnOptions.Contains(args[index]) || (index > 0 && OwnOptions.Contains(args[index - 1])) ||
        (!args[index].StartsWith("--", StringComparison.Ordinal) && !IsValueOf(args, index));
}

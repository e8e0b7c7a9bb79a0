using System.Diagnostics;
using System.Globalization;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// The <c>cluster</c> verb: every cell of the chosen experiments in one run, each on its own cluster (a fresh
/// embedded one, or the given brokers), with progress on stderr, one CSV per experiment rewritten after every cell
/// (an interrupted run keeps what it measured), run.csv describing the run, and a table per experiment on stdout.
/// </summary>
internal static class ClusterExperimentRun
{
    // Columns worth reading in the console; the CSV has them all.
    private static readonly Dictionary<string, string[]> Summary = new()
    {
        [ScaleOutExperiment.Name] = ["produce_msg_s", "consume_msg_s", "produce_then_consume_msg_s", "produce_p50_ms", "produce_p99_ms", "lost", "load_1m_start"],
        [DurabilityExperiment.Name] = ["produce_msg_s", "p50_ms", "p99_ms", "stop_errors", "stop_acknowledged", "stop_lost", "stop_lost_after_restart", "stop_redelivered", "stop_written_twice", "produce_resume_s", "consume_resume_s"],
        [ClientCountExperiment.Producers] = ["produce_msg_s", "produce_p50_ms", "produce_p99_ms", "clients_ready_s", "process_threads"],
        [ClientCountExperiment.Groups] = ["group_formed_s", "consume_msg_s", "active_members", "idle_members", "max_member_messages", "rebalance_join_s", "rebalance_leave_s"],
    };

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        ClusterExperimentOptions options;
        try
        {
            options = ClusterExperimentOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        IClusterTarget target = options.BootstrapServers is { } servers ? new ExistingClusterTarget(servers) : new EmbeddedClusterTarget();
        var cells = Plan(options, target).ToList();
        var rows = await RunCellsAsync(cells, target, options);
        WriteRunDescription(options, target, args, rows);
        foreach (var (experiment, experimentRows) in rows)
        {
            PrintTable(experiment, experimentRows);
        }

        var failed = rows.Values.SelectMany(r => r).Count(r => r.Text("status").StartsWith("FAILED", StringComparison.Ordinal));
        Console.Error.WriteLine($"{cells.Count} cells, {failed} failed; results in {Path.GetFullPath(options.OutputDirectory)}");
        return failed == 0 ? 0 : 1;
    }

    public static IEnumerable<ExperimentCell> Plan(ClusterExperimentOptions options, IClusterTarget target)
    {
        var cells = Enumerable.Empty<ExperimentCell>();
        if (options.Only.Contains("e1"))
        {
            cells = cells.Concat(ScaleOutExperiment.Cells(options.Quick, options.Repeats, target.FixedBrokerCount));
        }

        if (options.Only.Contains("e2"))
        {
            cells = cells.Concat(DurabilityExperiment.Cells(options.Quick, options.Repeats, target.FixedBrokerCount));
        }

        if (options.Only.Contains("e3"))
        {
            cells = cells.Concat(ClientCountExperiment.Cells(options.Quick, options.Repeats));
        }

        return cells;
    }

    private static async Task<Dictionary<string, List<ResultRow>>> RunCellsAsync(List<ExperimentCell> cells, IClusterTarget target, ClusterExperimentOptions options)
    {
        var cellTimeout = TimeSpan.FromSeconds(options.Quick ? 60 : 180);
        var rows = new Dictionary<string, List<ResultRow>>();
        var run = Stopwatch.StartNew();
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            Console.Error.WriteLine($"[cell {i + 1} of {cells.Count}, {run.Elapsed:mm\\:ss} elapsed] {cell.Experiment} {cell.Label}");
            var row = new ResultRow().Set("experiment", cell.Experiment);
            foreach (var (name, value) in cell.Settings)
            {
                row.Set(name, value);
            }

            row.Set("status", "running").Set("load_1m_start", LoadAverage());
            var clock = Stopwatch.StartNew();
            var status = await MeasureAsync(cell, new CellContext(target, DateTime.UtcNow + cellTimeout, options.Quick), row, cellTimeout);
            row.Set("status", status).Set("cell_s", clock.Elapsed.TotalSeconds).Set("load_1m_end", LoadAverage());
            Console.Error.WriteLine($"    {(status == "ok" ? "ok" : status.ToUpperInvariant().StartsWith("FAILED", StringComparison.Ordinal) ? "*** " + status + " ***" : status)} " +
                                    $"in {clock.Elapsed.TotalSeconds:0.0} s: {string.Join(", ", Summary[cell.Experiment].Select(c => $"{c} {row.Text(c)}"))}");

            if (!rows.TryGetValue(cell.Experiment, out var experimentRows))
            {
                rows[cell.Experiment] = experimentRows = [];
            }

            experimentRows.Add(row);
            ResultsFile.Write(Path.Combine(options.OutputDirectory, cell.Experiment + ".csv"), experimentRows);
        }

        return rows;
    }

    private static async Task<string> MeasureAsync(ExperimentCell cell, CellContext context, ResultRow row, TimeSpan timeout)
    {
        try
        {
            var measuring = cell.Measure(context, row);
            // The cell's loops keep its deadline; this only catches one that does not.
            if (await Task.WhenAny(measuring, Task.Delay(timeout + TimeSpan.FromSeconds(30))) != measuring)
            {
                return $"FAILED: did not finish within {timeout.TotalSeconds + 30:0} s";
            }

            await measuring;
            return "ok";
        }
        catch (CellSkippedException e)
        {
            return "skipped: " + e.Message;
        }
        catch (Exception e)
        {
            return "FAILED: " + e.GetBaseException().Message;
        }
    }

    private static void WriteRunDescription(ClusterExperimentOptions options, IClusterTarget target, IReadOnlyList<string> args, Dictionary<string, List<ResultRow>> rows)
    {
        var all = rows.Values.SelectMany(r => r).ToList();
        var run = new ResultRow()
            .Set("command", "dotnet run -c Release --project Tests/Benchmarks -- cluster " + string.Join(' ', args))
            .Set("finished_utc", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))
            .Set("run_s", all.Sum(r => r.Number("cell_s")))
            .Set("cluster", target.Description)
            .Set("quick", options.Quick ? "yes" : "no")
            .Set("cells", all.Count)
            .Set("failed", all.Count(r => r.Text("status").StartsWith("FAILED", StringComparison.Ordinal)))
            .Set("skipped", all.Count(r => r.Text("status").StartsWith("skipped", StringComparison.Ordinal)))
            .Set("cores", Environment.ProcessorCount)
            .Set("librdkafka", Confluent.Kafka.Library.VersionString)
            .Set("message_bytes", ExperimentMessage.Size)
            .Set("load_1m_min", all.Min(r => r.Number("load_1m_start")))
            .Set("load_1m_max", all.Max(r => r.Number("load_1m_start")));
        ResultsFile.Write(Path.Combine(options.OutputDirectory, "run.csv"), [run]);
    }

    private static void PrintTable(string experiment, List<ResultRow> rows)
    {
        var settings = rows[0].Columns.TakeWhile(c => c != "status").Skip(1).ToList();
        var columns = settings.Append("status").Concat(Summary[experiment]).ToList();
        Console.WriteLine();
        Console.WriteLine($"{experiment}:");
        Console.WriteLine("| " + string.Join(" | ", columns) + " |");
        Console.WriteLine("|" + string.Concat(columns.Select(_ => "---|")));
        foreach (var row in rows)
        {
            Console.WriteLine("| " + string.Join(" | ", columns.Select(c => c == "status" && row.Text(c).StartsWith("FAILED", StringComparison.Ordinal) ? $"**{row.Text(c)}**" : row.Text(c))) + " |");
        }
    }

    private static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}

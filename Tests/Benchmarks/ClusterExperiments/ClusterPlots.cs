using System.Globalization;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// The <c>cluster-plots</c> verb: PNGs drawn from the results files alone (so they can be redrawn without a run).
/// Cells that did not end "ok" are left out of the bars; the tables in the CSVs still show them.
/// </summary>
internal static class ClusterPlots
{
    public const string Usage = "cluster-plots [--results folder] [--images folder]";

    public static int Run(IReadOnlyList<string> args)
    {
        var results = Option(args, "--results") ?? ClusterExperimentOptions.DefaultOutput;
        var images = Option(args, "--images") ?? "docs/images";
        var drawn = Draw(results, images).ToList();
        drawn.ForEach(path => Console.WriteLine(path));
        if (drawn.Count == 0)
        {
            Console.Error.WriteLine($"no results files in {results}; usage: {Usage}");
            return 1;
        }

        return 0;
    }

    /// <summary>The experiments whose results files (in docs/results/part2) the plots read.</summary>
    public static IReadOnlyList<string> Experiments { get; } = [ScaleOutExperiment.Name, DurabilityExperiment.Name, ClientCountExperiment.Producers, ClientCountExperiment.Groups];

    /// <summary>Every plot the results files in <paramref name="results"/> (docs/results/part2) allow; none when there are none.</summary>
    public static IReadOnlyList<string> Draw(string results, string images)
    {
        Directory.CreateDirectory(images);
        var drawn = new List<string>();
        if (Read(results, ScaleOutExperiment.Name) is { } scaleOut)
        {
            drawn.AddRange(ScaleOut(scaleOut, images));
        }

        if (Read(results, DurabilityExperiment.Name) is { } durability)
        {
            drawn.AddRange(Durability(durability, images));
        }

        if (Read(results, ClientCountExperiment.Producers) is { } producers)
        {
            drawn.Add(Producers(producers, images));
        }

        if (Read(results, ClientCountExperiment.Groups) is { } groups)
        {
            drawn.AddRange(Groups(groups, images));
        }

        return drawn;
    }

    private static IEnumerable<string> ScaleOut(List<ResultRow> rows, string images)
    {
        var partitions = Distinct(rows, "partitions");
        var brokers = Distinct(rows, "brokers");
        var groups = partitions.Select(p => p == 1 ? "1 partition" : $"{p:0} partitions").ToList();
        foreach (var (column, what, file) in new[]
                 {
                     ("produce_msg_s", "Produce", "part2-e1-produce.png"), ("consume_msg_s", "Consume (one member, after its first message)", "part2-e1-consume.png"),
                 })
        {
            var chart = new GroupedBarChart($"E1 scale-out: {what} rate, {rows[0].Text("message_bytes")} B messages, acks=all idempotent",
                "partitions of the topic", "thousand messages per second", groups);
            foreach (var b in brokers)
            {
                var runs = partitions.Select(p => (IReadOnlyList<double>)rows.Where(r => r.Number("brokers") == b && r.Number("partitions") == p)
                    .Select(r => r.Number(column) / 1000).Where(double.IsFinite).ToList()).ToArray();
                chart.Series(b == 1 ? "1 broker" : $"{b:0} brokers", runs.Select(Statistics.Median).ToArray(), runs);
            }

            yield return Save(chart, images, file);
        }
    }

    private static IEnumerable<string> Durability(List<ResultRow> rows, string images)
    {
        var settings = rows.Select(SettingsLabel).Distinct().ToList();
        var replications = Distinct(rows, "replication");
        List<ResultRow> Cells(string setting, double rf) => rows.Where(r => SettingsLabel(r) == setting && r.Number("replication") == rf).ToList();
        IReadOnlyList<double>[] Runs(double rf, string column, double scale = 1) =>
            settings.Select(s => (IReadOnlyList<double>)Cells(s, rf).Select(r => r.Number(column) / scale).Where(double.IsFinite).ToList()).ToArray();
        double[] Medians(double rf, string column, double scale = 1) => Runs(rf, column, scale).Select(Statistics.Median).ToArray();
        var offered = rows[0].Number("offered_msg_s");

        var latency = new GroupedBarChart($"E2: send to acknowledgement at {offered:N0} msg/s offered (3 brokers, 6 partitions)",
            "producer settings", "latency (ms)", settings);
        foreach (var rf in replications)
        {
            latency.Series($"RF {rf:0}, p50", Medians(rf, "p50_ms"), Runs(rf, "p50_ms"));
            latency.Series($"RF {rf:0}, p99", Medians(rf, "p99_ms"), Runs(rf, "p99_ms"));
        }

        var throughput = new GroupedBarChart("E2: flat-out produce rate by durability settings (3 brokers, 6 partitions)",
            "producer settings", "thousand messages per second", settings);
        foreach (var rf in replications)
        {
            throughput.Series($"replication factor {rf:0} (min ISR {Cells(settings[0], rf).FirstOrDefault()?.Text("min_isr")})",
                Medians(rf, "produce_msg_s", 1000), Runs(rf, "produce_msg_s", 1000));
        }

        // What each setting lost goes under its name: over the bars it would cover its neighbours.
        var stopGroups = settings.Select(s => s + string.Concat(replications.Select(rf => $"\nRF {rf:0}: {StopNote(Cells(s, rf))}"))).ToList();
        var stop = new GroupedBarChart($"E2: partition 0's leader stopped mid-run at {offered:N0} msg/s: when its partitions resume",
            "producer settings, and the acknowledged messages each run lost", "seconds after the broker stopped", stopGroups);
        foreach (var rf in replications)
        {
            stop.Series($"RF {rf:0}: writes acknowledged again", Medians(rf, "produce_resume_s"), Runs(rf, "produce_resume_s"));
            stop.Series($"RF {rf:0}: consumer receives again", Medians(rf, "consume_resume_s"), Runs(rf, "consume_resume_s"));
        }

        if (rows.Select(r => r.Number("down_s")).FirstOrDefault(double.IsFinite) is var down and > 0)
        {
            stop.Reference($"broker down for {down:0.#} s", down);
        }

        return [Save(latency, images, "part2-e2-latency.png"), Save(throughput, images, "part2-e2-throughput.png"), Save(stop, images, "part2-e2-broker-stop.png")];
    }

    private static string Producers(List<ResultRow> rows, string images)
    {
        var counts = Distinct(rows, "producers");
        var chart = new GroupedBarChart("E3: many producer clients sharing one stream (3 brokers, 6 partitions, acks=all idempotent)",
            "producer clients, each with its own sending thread", "thousand messages per second (all clients)",
            counts.Select(c => c == 1 ? "1 producer" : $"{c:0} producers").ToList());
        var cells = counts.Select(c => rows.Where(r => r.Number("producers") == c).ToList()).ToList();
        var runs = cells.Select(runsOf => (IReadOnlyList<double>)runsOf.Select(r => r.Number("produce_msg_s") / 1000).ToList()).ToArray();
        chart.Series("acknowledged messages per second", runs.Select(Statistics.Median).ToArray(), runs,
            notes: cells.Select(runsOf => $"p99 {Statistics.Median(runsOf.Select(r => r.Number("produce_p99_ms")).ToList()):0} ms, {runsOf[0].Text("process_threads")} threads").ToArray());
        return Save(chart, images, "part2-e3-producers.png");
    }

    private static IEnumerable<string> Groups(List<ResultRow> rows, string images)
    {
        var sizes = Distinct(rows, "members");
        var cells = sizes.Select(m => rows.First(r => r.Number("members") == m)).ToList();
        var labels = sizes.Select(m => m == 1 ? "1 member" : $"{m:0} members").ToList();
        var partitions = rows[0].Text("partitions");

        var rebalance = new GroupedBarChart($"E3: consumer group on {partitions} partitions: time until every partition is assigned",
            "members of the group", "seconds", labels);
        rebalance.Series("group formed (all members start together)", cells.Select(r => r.Number("group_formed_s")).ToArray());
        rebalance.Series("rebalance: one member joins", cells.Select(r => r.Number("rebalance_join_s")).ToArray());
        rebalance.Series("rebalance: one member with partitions leaves", cells.Select(r => r.Number("rebalance_leave_s")).ToArray());
        rebalance.Reference("session timeout − 1 s (the mock waits this long)", (GroupMember.SessionTimeoutMs - 1000) / 1000.0);

        var perMember = cells.Select(r => (IReadOnlyList<double>)r.Text("per_member_messages").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(n => double.Parse(n, CultureInfo.InvariantCulture) / 1000).ToList()).ToArray();
        var members = new GroupedBarChart($"E3: messages each member read of a {cells[0].Number("messages") / 1000:0}k backlog on {partitions} partitions",
            "members of the group (labels: members that read nothing)", "thousand messages per member", labels);
        members.Series("busiest member", perMember.Select(p => p.Count == 0 ? double.NaN : p.Max()).ToArray());
        members.Series("least busy member", perMember.Select(p => p.Count == 0 ? double.NaN : p.Min()).ToArray(),
            notes: cells.Select(r => $"{r.Text("idle_members")} of {r.Text("members")} idle").ToArray());
        return [Save(rebalance, images, "part2-e3-rebalance.png"), Save(members, images, "part2-e3-members.png")];
    }

    /// <summary>What the runs lost (acknowledged, never consumed) and wrote twice, e.g. "lost 0/7196/0".</summary>
    private static string? StopNote(List<ResultRow> runs) =>
        runs.Count == 0 ? null
        : runs.Any(r => double.IsNaN(r.Number("produce_resume_s"))) ? "did not resume"
        : $"lost {string.Join('/', runs.Select(r => r.Text("stop_lost")))}" +
          (runs.Any(r => r.Number("stop_written_twice") > 0) ? $", twice {string.Join('/', runs.Select(r => r.Text("stop_written_twice")))}" : "");

    private static string SettingsLabel(ResultRow row) => $"acks={row.Text("acks")}{(row.Text("idempotence") == "on" ? " idempotent" : "")}";

    private static List<double> Distinct(List<ResultRow> rows, string column) => rows.Select(r => r.Number(column)).Where(double.IsFinite).Distinct().Order().ToList();

    /// <summary>An experiment's rows that measured something ("ok"), or null when its file is absent.</summary>
    private static List<ResultRow>? Read(string folder, string experiment)
    {
        var path = Path.Combine(folder, experiment + ".csv");
        var rows = File.Exists(path) ? ResultsFile.Read(path).Where(r => r.Text("status") == "ok").ToList() : [];
        return rows.Count > 0 ? rows : null;
    }

    private static string Save(GroupedBarChart chart, string folder, string file)
    {
        var path = Path.Combine(folder, file);
        chart.Save(path);
        return path;
    }

    private static string? Option(IReadOnlyList<string> args, string name)
    {
        var i = args.ToList().IndexOf(name);
        return i >= 0 && i + 1 < args.Count ? args[i + 1] : null;
    }
}

using System.Globalization;
using HpcAspire.Benchmarks.ClusterExperiments;

namespace HpcAspire.Benchmarks.Figures;

/// <summary>
/// The applications' plots, drawn from <c>&lt;results&gt;/pipeline/runs.csv</c> alone (one row per measured run, written by the
/// pipeline benchmark): written vs offered rate, latency p50/p99 vs rate, CPU per reading per service, and written rate by
/// processor instances/replicas. Cold runs (the first of a start-up) are left out; a bar is the median of a group's warm
/// runs (application, offered rate, settings), the dots are its runs (lowest to highest). New rows, applications and
/// settings simply become more bars.
/// </summary>
internal static class PipelinePlots
{
    public const string ResultsFileName = "pipeline/runs.csv";

    public static IReadOnlyList<string> Draw(string resultsDirectory, string imagesDirectory)
    {
        var file = Path.Combine(resultsDirectory, ResultsFileName);
        if (!File.Exists(file))
        {
            return [];
        }

        var runs = ResultsFile.Read(file).Where(r => r.Text("cold") != "true" && double.IsFinite(r.Number("written_per_s"))).ToList();
        if (runs.Count == 0)
        {
            return [];
        }

        Directory.CreateDirectory(imagesDirectory);
        var rates = runs.Select(r => r.Number("offered_per_s")).Distinct().Order().ToList();
        var rateLabels = rates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)).ToList();
        var variants = runs.Select(Variant).Distinct().ToList();
        IReadOnlyList<double>[] Runs(string variant, string column, Func<ResultRow, double>? pick = null) =>
            rates.Select(rate => (IReadOnlyList<double>)runs.Where(r => Variant(r) == variant && r.Number("offered_per_s") == rate)
                .Select(pick ?? (r => r.Number(column))).Where(double.IsFinite).ToList()).ToArray();

        var throughput = new GroupedBarChart("Readings written per second vs offered (median of warm runs)", "offered readings per second",
            "readings written per second", rateLabels);
        foreach (var variant in variants)
        {
            var cells = Runs(variant, "written_per_s");
            throughput.Series(variant, cells.Select(Statistics.Median).ToArray(), cells);
        }

        var latency = new GroupedBarChart("End-to-end latency (reading time → row durable in the CSV) vs offered rate", "offered readings per second",
            "milliseconds (median of warm runs)", rateLabels);
        foreach (var variant in variants)
        {
            foreach (var quantile in new[] { "p50", "p99" })
            {
                var cells = Runs(variant, $"{quantile}_ms");
                latency.Series($"{variant}, {quantile}", cells.Select(Statistics.Median).ToArray(), cells);
            }
        }

        // Cores × 1e6 / readings written per second = µs of CPU per reading.
        var services = new[] { "generator", "processor", "sink", "other" };
        var cellNames = variants.SelectMany(v => rates.Select(rate => (Variant: v, Rate: rate)))
            .Where(c => runs.Any(r => Variant(r) == c.Variant && r.Number("offered_per_s") == c.Rate)).ToList();
        var cpu = new GroupedBarChart("CPU per reading per service (cores × 10⁶ / readings written per second)", "application @ offered readings/s",
            "µs of CPU per reading (median of warm runs)", cellNames.Select(c => $"{c.Variant.Replace(" (", "\n(").Replace(' ', '\n')}\n@ {c.Rate.ToString("N0", CultureInfo.InvariantCulture)}").ToList());
        foreach (var service in services)
        {
            var cells = cellNames.Select(c => (IReadOnlyList<double>)runs.Where(r => Variant(r) == c.Variant && r.Number("offered_per_s") == c.Rate)
                .Select(r => r.Number($"{service}_cores") * 1e6 / r.Number("written_per_s")).Where(double.IsFinite).ToList()).ToArray();
            cpu.Series(service == "other" ? "other (brokers, registry, AppHost)" : service, cells.Select(Statistics.Median).ToArray(), cells);
        }

        var drawn = new List<string>
        {
            Save(throughput, imagesDirectory, "pipeline-throughput.png", variants.Count),
            Save(latency, imagesDirectory, "pipeline-latency.png", variants.Count * 2),
            Save(cpu, imagesDirectory, "pipeline-cpu-per-reading.png", cellNames.Count * services.Length / 2),
        };

        // Scaling: applications named <family>-<N> (kafka-processors-N, rabbitmq-N) with N processor instances/replicas.
        var scaled = runs.Where(r => Instances(r.Text("application")) is not null).ToList();
        if (scaled.Count > 0)
        {
            var counts = scaled.Select(r => Instances(r.Text("application"))!.Value.Count).Distinct().Order().ToList();
            var scaling = new GroupedBarChart("Readings written per second by processor instances/replicas (median of warm runs)",
                "processor instances (Kafka) / replicas (RabbitMQ)", "readings written per second", counts.Select(c => c.ToString(CultureInfo.InvariantCulture)).ToList());
            foreach (var series in scaled.Select(r => (Instances(r.Text("application"))!.Value.Family, Rate: r.Number("offered_per_s"))).Distinct().OrderBy(s => s.Family).ThenBy(s => s.Rate))
            {
                var cells = counts.Select(n => (IReadOnlyList<double>)scaled.Where(r => Instances(r.Text("application")) == (series.Family, n) && r.Number("offered_per_s") == series.Rate)
                    .Select(r => r.Number("written_per_s")).Where(double.IsFinite).ToList()).ToArray();
                scaling.Series($"{series.Family} @ {series.Rate.ToString("N0", CultureInfo.InvariantCulture)}/s offered", cells.Select(Statistics.Median).ToArray(), cells);
            }

            drawn.Add(Save(scaling, imagesDirectory, "pipeline-scaling.png", counts.Count));
        }

        return drawn;
    }

    /// <summary>A run's application and, when it changed any, the settings it ran with.</summary>
    private static string Variant(ResultRow row) =>
        row.Text("settings") is { Length: > 0 } settings ? $"{row.Text("application")} ({settings})" : row.Text("application");

    /// <summary>"kafka-processors-4" → (kafka-processors, 4); "rabbitmq-2" → (rabbitmq, 2); "kafka" → null.</summary>
    private static (string Family, int Count)? Instances(string application) =>
        application.LastIndexOf('-') is > 0 and var dash && int.TryParse(application[(dash + 1)..], CultureInfo.InvariantCulture, out var count)
            ? (application[..dash], count)
            : null;

    private static string Save(GroupedBarChart chart, string folder, string file, int bars)
    {
        var path = Path.Combine(folder, file);
        chart.Save(path, Math.Max(1200, 500 + 90 * bars), 640);
        return path;
    }
}

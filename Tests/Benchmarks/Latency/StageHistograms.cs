using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;

namespace HpcAspire.Benchmarks;

/// <summary>
/// Counts in the log-spaced buckets of ServiceDefaults' <c>HistogramFile</c>: bucket <c>i</c> holds values up to
/// <c>0.01 ms × 1.02^i</c>, so a percentile read from it is within 2 % of the measured value.
/// </summary>
internal sealed class Histogram(SortedDictionary<int, long> counts)
{
    public SortedDictionary<int, long> Counts { get; } = counts;

    public long Count => Counts.Values.Sum();

    public static double UpperMilliseconds(int bucket) => HistogramFile.UpperMilliseconds(bucket);

    /// <summary>The bucket's upper bound below which a fraction <paramref name="p"/> of the values lie; NaN when empty.</summary>
    public double Percentile(double p)
    {
        var count = Count;
        if (count == 0)
        {
            return double.NaN;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(p * count));
        long seen = 0;
        foreach (var (bucket, n) in Counts)
        {
            seen += n;
            if (seen >= rank)
            {
                return UpperMilliseconds(bucket);
            }
        }

        return UpperMilliseconds(Counts.Keys.Last());
    }

    /// <summary>The mean, taking each value as its bucket's geometric middle.</summary>
    public double Mean() => Count == 0 ? double.NaN
        : Counts.Sum(c => c.Value * UpperMilliseconds(c.Key) / Math.Sqrt(HistogramFile.Growth)) / Count;
}

/// <summary>One row of a latency budget: a stage, its mean, p50 and p99 in milliseconds, and how many values it has.</summary>
internal sealed record BudgetRow(string Stage, string Source, double MeanMs, double P50Ms, double P99Ms, long Count);

/// <summary>
/// The services' histogram files (HPCASPIRE_METRICS_DIRECTORY, one per process: instrument, stage, destination,
/// bucket, count, cumulative), read at one moment. Two readings subtracted give a window's histograms.
/// </summary>
internal sealed class StageHistograms
{
    public const string DirectorySetting = HistogramFile.DirectorySetting;

    public static readonly StageHistograms Empty = new([]);

    // (service, instrument, stage, destination) → bucket → count
    private readonly Dictionary<(string Service, string Instrument, string Stage, string Destination), SortedDictionary<int, long>> _histograms;

    private StageHistograms(Dictionary<(string, string, string, string), SortedDictionary<int, long>> histograms) => _histograms = histograms;

    public static StageHistograms Read(string directory)
    {
        var histograms = new Dictionary<(string, string, string, string), SortedDictionary<int, long>>();
        if (!Directory.Exists(directory))
        {
            return new StageHistograms(histograms);
        }

        foreach (var file in Directory.GetFiles(directory, "*.csv"))
        {
            // <service>.<pid>.csv: the two generators are one service each; processes of one service add up.
            var name = Path.GetFileNameWithoutExtension(file);
            var service = name[..name.LastIndexOf('.')];
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(',');
                if (fields.Length != 5)
                {
                    continue;
                }

                var key = (service, fields[0], fields[1], fields[2]);
                if (!histograms.TryGetValue(key, out var counts))
                {
                    histograms[key] = counts = [];
                }

                var bucket = int.Parse(fields[3], CultureInfo.InvariantCulture);
                counts[bucket] = counts.GetValueOrDefault(bucket) + long.Parse(fields[4], CultureInfo.InvariantCulture);
            }
        }

        return new StageHistograms(histograms);
    }

    public StageHistograms Minus(StageHistograms earlier) => new(_histograms.ToDictionary(h => h.Key, h =>
    {
        var before = earlier._histograms.GetValueOrDefault(h.Key);
        return new SortedDictionary<int, long>(h.Value.Select(c => (c.Key, Count: c.Value - (before?.GetValueOrDefault(c.Key) ?? 0)))
            .Where(c => c.Count > 0).ToDictionary(c => c.Key, c => c.Count));
    }));

    /// <summary>How many values each histogram holds: service, instrument, stage and destination.</summary>
    public IEnumerable<(string Service, string Instrument, string Stage, string Destination, long Count)> Totals() =>
        _histograms.Select(h => (h.Key.Service, h.Key.Instrument, h.Key.Stage, h.Key.Destination, h.Value.Values.Sum()));

    /// <summary>The histogram of <paramref name="instrument"/> at <paramref name="service"/> for a stage and a destination containing <paramref name="destination"/>.</summary>
    public Histogram Get(string service, string instrument, string stage, string destination)
    {
        var counts = new SortedDictionary<int, long>();
        foreach (var (key, histogram) in _histograms)
        {
            if (key.Service == service && key.Instrument == instrument && key.Stage == stage &&
                (destination.Length == 0 ? key.Destination.Length == 0 : key.Destination.Contains(destination, StringComparison.Ordinal)))
            {
                foreach (var (bucket, count) in histogram)
                {
                    counts[bucket] = counts.GetValueOrDefault(bucket) + count;
                }
            }
        }

        return new Histogram(counts);
    }

    /// <summary>Reading time → its enriched row durable (fsynced and checkpointed), every row, as the sink records it.</summary>
    public Histogram EndToEnd(string sink) => Get(sink, "hpcaspire.pipeline.latency", "", "enriched");

    /// <summary>
    /// A reading's way, stage by stage. The broker waits run from the producer's timestamp (its send) to the
    /// consumer's receipt, so they hold the producer's linger and batching; the generator's send (to acks=all) overlaps
    /// the first of them. What no histogram covers — the reading waiting in the processor for the scheduler's
    /// watermark and for its transaction's end, and the row waiting for the sink's next checkpoint — is the
    /// remainder of the mean end to end.
    /// </summary>
    public IReadOnlyList<BudgetRow> Budget(PipelineTarget target, Histogram endToEnd)
    {
        var prefix = target.ResourcePrefix;
        var to = target.Destinations;
        var rows = new List<BudgetRow>();
        Add("generator: linger + send to acks=all (part of the next)", prefix + "node-reading-generator", "hpcaspire.stage.duration", "send", to.ReadingsSent);
        var readings = Add("readings in the broker: send → processor receipt", prefix + "processor", "hpcaspire.broker.wait", "", to.ReadingsReceived);
        Add("processor: join (add a reading)", prefix + "processor", "hpcaspire.stage.duration", "join", to.ReadingsReceived);
        var enriched = Add("enriched in the broker: processor send → sink receipt", prefix + "sink", "hpcaspire.broker.wait", "", to.EnrichedReceived);
        Add("processor: enriched send → its transaction committed (part of the previous)", prefix + "processor", "hpcaspire.stage.duration", "send", to.EnrichedSent);
        Add("sink: write a row", prefix + "sink", "hpcaspire.stage.duration", "write", "enriched");
        Add("sink: checkpoint (fsync files, checkpoint files, commit)", prefix + "sink", "hpcaspire.stage.duration", "checkpoint", "");
        var rest = endToEnd.Mean() - readings - enriched;
        rows.Add(new BudgetRow("remainder: waits for the watermark in the processor and for the sink's next checkpoint", "mean end to end − broker waits",
            rest, double.NaN, double.NaN, 0));
        rows.Add(new BudgetRow("end to end: reading time → row durable", prefix + "sink", endToEnd.Mean(), endToEnd.Percentile(0.5), endToEnd.Percentile(0.99), endToEnd.Count));
        return rows;

        double Add(string label, string service, string instrument, string stage, string destination)
        {
            var histogram = Get(service, instrument, stage, destination);
            rows.Add(new BudgetRow(label, $"{service} {instrument} {stage}".TrimEnd(), histogram.Mean(), histogram.Percentile(0.5), histogram.Percentile(0.99), histogram.Count));
            return histogram.Count == 0 ? 0 : histogram.Mean();
        }
    }

    public static string BudgetTable(IReadOnlyList<BudgetRow> budget)
    {
        var text = new StringBuilder("  | stage | mean | p50 | p99 | values |\n  |---|---|---|---|---|\n");
        foreach (var row in budget)
        {
            text.Append(CultureInfo.InvariantCulture, $"  | {row.Stage} | {Ms(row.MeanMs)} | {Ms(row.P50Ms)} | {Ms(row.P99Ms)} | {(row.Count > 0 ? row.Count.ToString("N0", CultureInfo.InvariantCulture) : "")} |\n");
        }

        return text.ToString().TrimEnd();

        static string Ms(double value) => double.IsNaN(value) ? "" : value.ToString(value < 10 ? "0.0" : "N0", CultureInfo.InvariantCulture) + " ms";
    }

    /// <summary>Appends a budget to the results file (docs/results/latency/stage-budget.csv) that <c>LatencyPlots</c> draws.</summary>
    public static void AppendBudget(string file, string label, string application, int rate, IReadOnlyList<BudgetRow> budget)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var text = new StringBuilder(File.Exists(file) && new FileInfo(file).Length > 0 ? "" : "label,application,offered_per_s,stage,mean_ms,p50_ms,p99_ms,values,date\n");
        var date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        foreach (var row in budget)
        {
            text.Append(CultureInfo.InvariantCulture, $"{label},{application},{rate},\"{row.Stage}\",{F(row.MeanMs)},{F(row.P50Ms)},{F(row.P99Ms)},{row.Count},{date}\n");
        }

        File.AppendAllText(file, text.ToString());

        static string F(double value) => double.IsNaN(value) ? "" : value.ToString("0.0", CultureInfo.InvariantCulture);
    }
}

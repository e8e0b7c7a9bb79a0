using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HpcAspire.Benchmarks;

/// <summary>Which application a pipeline run drives: the AppHost settings that select it and the folder its sink writes.</summary>
internal sealed record PipelineTarget(string Name, string SinkFolder, string ResourcePrefix, params string[] Settings)
{
    public static readonly PipelineTarget Kafka = new("Kafka", "sink", "", "Application:Transports=Kafka");

    /// <summary>The Kafka application with <paramref name="processors"/> processor instances sharing the readings' partitions.</summary>
    public static PipelineTarget KafkaProcessors(int processors) =>
        new($"Kafka, {processors} processor(s)", "sink", "", "Application:Transports=Kafka", $"Processor:Instances={processors}");

    public static PipelineTarget RabbitMQ(int processors) => new($"RabbitMQ, {processors} processor(s)", "sink-rabbitmq", "rabbitmq-",
        "Application:Transports=RabbitMQ", $"RabbitMQ:Processors={processors}", $"RabbitMQ:ReadingShards={Math.Max(4, processors)}");

    /// <summary>The services that must be up before the generators' first tick.</summary>
    public IEnumerable<string> Services => new[] { "processor", "sink", "node-reading-generator", "job-event-generator" }.Select(s => ResourcePrefix + s);
}

/// <summary>
/// The whole application (Kafka's or RabbitMQ's) in embedded mode at an offered rate of readings per second: the
/// generators pace to the wall clock, so a reading's simulated time says when it was sent, and the
/// time its row appears in the sink's CSV is its end-to-end latency (to a durable write).
/// Sustained means the backlog (sent − written) does not grow over the measured window.
/// </summary>
internal static class PipelineBenchmark
{
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Measured = TimeSpan.FromSeconds(60);

    // Throughput runs keep 1 % of readings' traces, whole (parent-based), as docs/tracing.md advises for busy
    // clusters; `tracing` measures what 100 % and none cost.
    private static readonly string[] OnePercentOfTraces = ["OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.01"];

    public static async Task<int> RunAsync(PipelineTarget target, IReadOnlyList<int> offeredRates)
    {
        Console.WriteLine($"pipeline ({target.Name}): {Warmup.TotalSeconds:0} s warm-up, then {Measured.TotalSeconds:0} s measured per rate; 1 % of traces sampled");
        Console.WriteLine("| offered readings/s | nodes × Hz | written rows/s | backlog start → end | latency p50 | p99 | peak working set (MB) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var rate in offeredRates)
        {
            Console.WriteLine(await RunOnceAsync(target, rate, OnePercentOfTraces, dashboard: false));
        }

        return 0;
    }

    /// <summary>
    /// The same rate with the dashboard collecting every service's telemetry over OTLP, and traces sampled
    /// at 100 %, 1 % (parent-based: a sampled reading's trace is whole) and not at all.
    /// </summary>
    public static async Task<int> RunTracingAsync(int rate)
    {
        Console.WriteLine($"tracing: {rate:N0} readings/s offered, dashboard on; {Warmup.TotalSeconds:0} s warm-up, then {Measured.TotalSeconds:0} s measured per setting");
        Console.WriteLine("| traces sampled | OTEL_TRACES_SAMPLER | written rows/s | backlog start → end | latency p50 | p99 | peak working set (MB) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (label, sampler, argument) in new[]
                 {
                     ("100 %", "parentbased_always_on", ""), ("1 %", "parentbased_traceidratio", "0.01"), ("off", "always_off", ""),
                 })
        {
            string[] settings = argument.Length > 0 ? [$"OTEL_TRACES_SAMPLER={sampler}", $"OTEL_TRACES_SAMPLER_ARG={argument}"] : [$"OTEL_TRACES_SAMPLER={sampler}"];
            var row = await RunOnceAsync(PipelineTarget.Kafka, rate, settings, dashboard: true);
            Console.WriteLine($"| {label} | {sampler}{(argument.Length > 0 ? $" {argument}" : "")} |{string.Join('|', row.Split('|')[3..])}");
        }

        return 0;
    }

    private static async Task<string> RunOnceAsync(PipelineTarget target, int rate, string[] settings, bool dashboard)
    {
        // At most 2,000 nodes (the processor keeps a window per node); above that, nodes read faster than 1 Hz.
        var nodes = Math.Min(rate, 2_000);
        var ticksPerSecond = (double)rate / nodes;
        var dataDirectory = Path.Combine(Path.GetTempPath(), "hpcaspire-benchmark", Guid.NewGuid().ToString("N"));
        // The generators start at `start`: late enough for every service to be up and the processor's group joined
        // on two busy cores, or the run begins with a backlog that at high rates outgrows the mock's retention.
        var start = DateTime.UtcNow.AddSeconds(60);
        start = new DateTime(start.Ticks - start.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.HpcAspire_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = dashboard },
        [
            "Infrastructure:Mode=Embedded", $"Infrastructure:DataDirectory={dataDirectory}",
            $"Cluster:NodeCount={nodes}", $"Cluster:StartTime={start:O}",
            $"Generator:TicksPerSecond={ticksPerSecond.ToString(CultureInfo.InvariantCulture)}", "Generator:AlignToWallClock=true",
            .. target.Settings, .. settings,
        ]);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        await using var app = await builder.BuildAsync();
        await app.StartAsync();
        await using var events = new ServiceLogEvents(app, target.Services);
        await ReportReadinessAsync(app, target, start);

        var sink = new CsvTail(Path.Combine(dataDirectory, target.SinkFolder, "enriched-readings"));
        var latencies = new List<double>();
        var warmupEnds = start + Warmup;
        var measureEnds = warmupEnds + Measured;
        long writtenAtStart = 0;
        long backlogAtStart = 0;
        var cpuAtStart = new Dictionary<string, double>();
        var (progressAt, rowsAtProgress) = (start, 0L);
        while (DateTime.UtcNow < measureEnds)
        {
            await Task.Delay(250);
            var now = DateTime.UtcNow;
            if (now - progressAt >= TimeSpan.FromSeconds(5) && now > start)
            {
                // Progress, and the run's shape: how fast the backlog of a start builds up or is worked off.
                Console.Error.WriteLine($"  {rate:N0}/s, {(now - start).TotalSeconds:0} s in ({(now < warmupEnds ? "warm-up" : "measured")}): " +
                    $"{(sink.Rows - rowsAtProgress) / (now - progressAt).TotalSeconds:N0} rows/s written, backlog {Sent(now) - sink.Rows:N0}");
                (progressAt, rowsAtProgress) = (now, sink.Rows);
            }

            foreach (var simulated in sink.NewRowTimes())
            {
                // Tick n is sent at start + n / Hz of wall time and stamped start + n seconds.
                var sent = start + TimeSpan.FromSeconds((simulated - start).TotalSeconds / ticksPerSecond);
                if (now >= warmupEnds)
                {
                    latencies.Add((now - sent).TotalMilliseconds);
                }
            }

            if (writtenAtStart == 0 && now >= warmupEnds)
            {
                writtenAtStart = sink.Rows;
                backlogAtStart = Sent(now) - sink.Rows;
                cpuAtStart = CpuSeconds();
            }
        }

        var written = sink.Rows - writtenAtStart;
        var backlogAtEnd = Sent(DateTime.UtcNow) - sink.Rows;
        var memory = PeakWorkingSets();
        var cpu = CpuSeconds();
        Console.Error.WriteLine($"CPU cores used over the measured window at {rate:N0}/s: " + string.Join(", ",
            cpu.Select(c => $"{c.Key} {(c.Value - cpuAtStart.GetValueOrDefault(c.Key)) / Measured.TotalSeconds:F2}")));
        Console.Error.WriteLine($"  from the start: {events.Summary()}");
        latencies.Sort();
        return $"| {rate:N0} | {nodes} × {ticksPerSecond:0.##} | {written / Measured.TotalSeconds:N0} | {backlogAtStart:N0} → {backlogAtEnd:N0} | " +
               $"{Percentile(latencies, 0.50):N0} ms | {Percentile(latencies, 0.99):N0} ms | {memory} |";

        long Sent(DateTime at) => (long)Math.Max(0, (at - start).TotalSeconds * ticksPerSecond) * nodes;
    }

    /// <summary>
    /// Waits for the services to be healthy and says how long before the generators' first tick they were. A run
    /// whose services come up late starts with a backlog (the generator skips the ticks it missed; the backlog
    /// counts them), which at high rates can outgrow the embedded cluster's retention: it is flagged, not hidden.
    /// </summary>
    private static async Task ReportReadinessAsync(DistributedApplication app, PipelineTarget target, DateTime start)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        foreach (var service in target.Services)
        {
            await notifications.WaitForResourceHealthyAsync(service, timeout.Token);
        }

        var spare = (start - DateTime.UtcNow).TotalSeconds;
        Console.Error.WriteLine(spare >= 0
            ? $"  services healthy {spare:0.0} s before the generators' first tick"
            : $"  WARNING: services healthy {-spare:0.0} s AFTER the generators' first tick: this run starts with a backlog");
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    /// <summary>CPU seconds (user + system) used so far by each service's processes, and by this process (AppHost and embedded Kafka).</summary>
    private static Dictionary<string, double> CpuSeconds()
    {
        var seconds = new Dictionary<string, double> { ["apphost+kafka"] = CpuSecondsOf(Environment.ProcessId) };
        foreach (var (service, pid) in ServiceProcesses())
        {
            seconds[service] = seconds.GetValueOrDefault(service) + CpuSecondsOf(pid);
        }

        return seconds;
    }

    private static double CpuSecondsOf(int pid)
    {
        try
        {
            // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th of the whole line.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static IEnumerable<(string Service, int Pid)> ServiceProcesses()
    {
        foreach (var process in Process.GetProcesses())
        {
            string commandLine;
            try
            {
                commandLine = File.ReadAllText($"/proc/{process.Id}/cmdline").Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }

            // The embedded RabbitMQ server: an Erlang VM with this run's data directory on its command line.
            if (commandLine.Contains("beam.smp", StringComparison.Ordinal) && commandLine.Contains("hpcaspire-benchmark", StringComparison.Ordinal))
            {
                yield return ("rabbitmq", process.Id);
            }

            foreach (var service in new[] { "Generator", "Processor", "Sink", "SchemaRegistry" })
            {
                if (commandLine.Contains($"HpcAspire.{service}", StringComparison.Ordinal) && !commandLine.Contains("dotnet run", StringComparison.Ordinal))
                {
                    yield return (service.ToLowerInvariant(), process.Id);
                }
            }
        }
    }

    /// <summary>Peak resident memory (VmHWM) of each service process, and of this process (AppHost and embedded Kafka).</summary>
    private static string PeakWorkingSets()
    {
        var peaks = new SortedDictionary<string, long> { ["apphost+kafka"] = VmHwmKilobytes(Environment.ProcessId) };
        foreach (var (service, pid) in ServiceProcesses())
        {
            peaks[service] = Math.Max(peaks.GetValueOrDefault(service), VmHwmKilobytes(pid));
        }

        return string.Join(", ", peaks.Select(p => $"{p.Key} {p.Value / 1024}"));
    }

    private static long VmHwmKilobytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

/// <summary>
/// Follows the sink's CSV files: counts every row written since the last look and returns the reading time of one row
/// in <see cref="TimedEvery"/>. The tail runs in the benchmark's process beside the embedded brokers, on the same two
/// cores as the application: decoding every row to a string and parsing its time cost it more than the brokers did.
/// </summary>
internal sealed class CsvTail(string directory)
{
    public const int TimedEvery = 10;

    private readonly Dictionary<string, long> _positions = [];
    private long _seen;

    public long Rows { get; private set; }

    public IEnumerable<DateTime> NewRowTimes()
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var times = new List<DateTime>();
        foreach (var file in Directory.GetFiles(directory, "*.csv", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var position = _positions.GetValueOrDefault(file);
            var bytes = new byte[Math.Max(0, stream.Length - position)];
            stream.Position = position;
            bytes = bytes[..stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false)];
            var complete = bytes.AsSpan().LastIndexOf("\r\n"u8);
            if (complete < 0)
            {
                continue;
            }

            var rows = bytes.AsSpan(0, complete + 2);
            if (position == 0)
            {
                rows = rows[(rows.IndexOf("\r\n"u8) + 2)..]; // a file read from its start begins with its header
            }

            for (var end = rows.IndexOf("\r\n"u8); end >= 0; rows = rows[(end + 2)..], end = rows.IndexOf("\r\n"u8))
            {
                Rows++;
                if (_seen++ % TimedEvery == 0)
                {
                    times.Add(TimestampOf(rows[..end]));
                }
            }

            _positions[file] = position + complete + 2;
        }

        return times;
    }

    // The sink's timestamp column, yyyy-MM-ddTHH:mm:ss.fffZ (CsvFormat.Timestamp), read digit by digit.
    private static DateTime TimestampOf(ReadOnlySpan<byte> row) => new(Digits(row[..4]), Digits(row[5..7]), Digits(row[8..10]),
        Digits(row[11..13]), Digits(row[14..16]), Digits(row[17..19]), Digits(row[20..23]), DateTimeKind.Utc);

    private static int Digits(ReadOnlySpan<byte> digits)
    {
        var value = 0;
        foreach (var digit in digits)
        {
            value = value * 10 + (digit - '0');
        }

        return value;
    }
}

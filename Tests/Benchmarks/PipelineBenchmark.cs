using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HpcAspire.Benchmarks;

/// <summary>Which application a pipeline run drives: the AppHost settings that select it and the folder its sink writes.</summary>
internal sealed record PipelineTarget(string Name, string Application, string SinkFolder, string ResourcePrefix, params string[] Settings)
{
    public static readonly PipelineTarget Kafka = new("Kafka", "kafka", "sink", "", "Application:Transports=Kafka");

    /// <summary>Where the stage histograms of a reading's way are recorded: topics on Kafka; exchanges and queues on RabbitMQ.</summary>
    public BudgetDestinations Destinations { get; init; } = BudgetDestinations.Kafka;

    /// <summary>The Kafka application with <paramref name="processors"/> processor instances sharing the readings' partitions.</summary>
    public static PipelineTarget KafkaProcessors(int processors) =>
        new($"Kafka, {processors} processor(s)", $"kafka-processors-{processors}", "sink", "", "Application:Transports=Kafka", $"Processor:Instances={processors}");

    public static PipelineTarget RabbitMQ(int processors) => new($"RabbitMQ, {processors} processor(s)", $"rabbitmq-{processors}", "sink-rabbitmq", "rabbitmq-",
        "Application:Transports=RabbitMQ", $"RabbitMQ:Processors={processors}", $"RabbitMQ:ReadingShards={Math.Max(4, processors)}")
    {
        Destinations = BudgetDestinations.RabbitMQ,
    };

    /// <summary>The broker the services wait for: it must be healthy first, within <see cref="BoundedStart.BrokerTimeout"/>.</summary>
    public string Broker => Settings.Contains("Application:Transports=RabbitMQ") ? "rabbitmq" : "kafka";

    /// <summary>The services that must be up before the generators' first tick.</summary>
    public IEnumerable<string> Services => new[] { "processor", "sink", "node-reading-generator", "job-event-generator" }.Select(s => ResourcePrefix + s);
}

/// <summary>
/// The destinations (matched as substrings) a reading's stages are recorded under: the readings sent and received, the
/// enriched results sent and received.
/// </summary>
internal sealed record BudgetDestinations(string ReadingsSent, string ReadingsReceived, string EnrichedSent, string EnrichedReceived)
{
    public static readonly BudgetDestinations Kafka = new("readings", "readings", "enriched", "enriched");

    /// <summary>Generators publish to hpc.telemetry, processors consume readings.shard-N and publish to hpc.results, the sink consumes sink.results.</summary>
    public static readonly BudgetDestinations RabbitMQ = new("hpc.telemetry", "readings.shard-", "hpc.results", "sink.results");
}

/// <summary>
/// The whole application (Kafka's or RabbitMQ's) in embedded mode at an offered rate of readings per second: the
/// generators pace to the wall clock and a tick's simulated time is its wall time (<c>Cluster:ReadingInterval</c> is
/// one tick), so the sink's own end-to-end histogram (<c>hpcaspire.pipeline.latency</c>, a reading's time to its row
/// being durable, every row) is the latency, read from the services' histogram files (<see cref="StageHistograms"/>)
/// without polling the CSV. Sustained means the backlog (sent − written) does not grow over the measured window and
/// no consumer's position was reset; a run that is not sustained makes the command fail.
/// </summary>
internal static class PipelineBenchmark
{
    // Throughput runs keep 1 % of readings' traces, whole (parent-based), as docs/tracing.md advises for busy
    // clusters; `tracing` measures what 100 % and none cost.
    private static readonly string[] OnePercentOfTraces = ["OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.01"];

    private static int s_runs;

    public static async Task<int> RunAsync(PipelineTarget target, IReadOnlyList<int> offeredRates)
    {
        var options = PipelineRunOptions.FromCommandLine();
        Console.WriteLine($"pipeline ({target.Name}): {options.Warmup.TotalSeconds:0} s warm-up, then {options.Measured.TotalSeconds:0} s measured per rate; 1 % of traces sampled" +
                          (options.Settings.Count > 0 ? $"; settings: {string.Join(' ', options.Settings)}" : ""));
        var rows = new List<string>();
        var failed = new List<string>();
        foreach (var rate in offeredRates)
        {
            var run = await RunOnceAsync(target, rate, [.. OnePercentOfTraces, .. options.Settings], dashboard: false, options);
            rows.Add(run.TableRow);
            if (!run.Sustained)
            {
                failed.Add($"{rate:N0}/s: {run.Verdict}");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"pipeline ({target.Name}): end-to-end latency from the sink's own histogram, reading time → row durable (every row)");
        Console.WriteLine("| offered readings/s | nodes × Hz | written rows/s | backlog start → end | latency p50 | p99 | peak working set (MB) | sustained |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        rows.ForEach(Console.WriteLine);
        if (failed.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"FAILED: the application did not keep up at {string.Join("; ", failed)}");
            return 1;
        }

        return 0;
    }

    /// <summary>
    /// The same rate with the dashboard collecting every service's telemetry over OTLP, and traces sampled
    /// at 100 %, 1 % (parent-based: a sampled reading's trace is whole) and not at all.
    /// </summary>
    public static async Task<int> RunTracingAsync(int rate)
    {
        var options = PipelineRunOptions.FromCommandLine();
        Console.WriteLine($"tracing: {rate:N0} readings/s offered, dashboard on; {options.Warmup.TotalSeconds:0} s warm-up, then {options.Measured.TotalSeconds:0} s measured per setting");
        var rows = new List<string>();
        foreach (var (label, sampler, argument) in new[]
                 {
                     ("100 %", "parentbased_always_on", ""), ("1 %", "parentbased_traceidratio", "0.01"), ("off", "always_off", ""),
                 })
        {
            string[] settings = argument.Length > 0 ? [$"OTEL_TRACES_SAMPLER={sampler}", $"OTEL_TRACES_SAMPLER_ARG={argument}"] : [$"OTEL_TRACES_SAMPLER={sampler}"];
            var run = await RunOnceAsync(PipelineTarget.Kafka, rate, settings, dashboard: true, options);
            rows.Add($"| {label} | {sampler}{(argument.Length > 0 ? $" {argument}" : "")} |{string.Join('|', run.TableRow.Split('|')[3..])}");
        }

        Console.WriteLine("| traces sampled | OTEL_TRACES_SAMPLER | written rows/s | backlog start → end | latency p50 | p99 | peak working set (MB) | sustained |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    /// <summary>A run's table row and verdict, and its measured window's stage histograms (Part 4's loop times read them).</summary>
    internal sealed record RunResult(string TableRow, bool Sustained, string Verdict, StageHistograms Histograms);

    /// <summary>One run of the application at one offered rate, with traces sampled at 1 % unless the settings say otherwise.</summary>
    internal static Task<RunResult> RunOnceAsync(PipelineTarget target, int rate, PipelineRunOptions options) =>
        RunOnceAsync(target, rate, [.. OnePercentOfTraces, .. options.Settings], dashboard: false, options);

    private static async Task<RunResult> RunOnceAsync(PipelineTarget target, int rate, string[] settings, bool dashboard, PipelineRunOptions options)
    {
        var run = ++s_runs;
        // At most 2,000 nodes (the processor keeps a window per node); above that, nodes read faster than 1 Hz, and a
        // tick stands for that much less simulated time, so a reading's time stays its wall time.
        var nodes = Math.Min(rate, 2_000);
        var ticksPerSecond = (double)rate / nodes;
        var dataDirectory = Path.Combine(Path.GetTempPath(), "hpcaspire-benchmark", Guid.NewGuid().ToString("N"));
        var metricsDirectory = Path.Combine(dataDirectory, "metrics");
        var logFile = Path.Combine(options.LogDirectory, $"pipeline-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{target.Application}-{rate}.log");
        // The generators start at `start`: late enough for every service to be up and the processor's group joined
        // on two busy cores, or the run begins with a backlog that at high rates outgrows the mock's retention.
        var start = DateTime.UtcNow.AddSeconds(options.LeadSeconds);
        start = new DateTime(start.Ticks - start.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.HpcAspire_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = dashboard },
        [
            "Infrastructure:Mode=Embedded", $"Infrastructure:DataDirectory={dataDirectory}",
            $"Cluster:NodeCount={nodes}", $"Cluster:StartTime={start:O}",
            $"Cluster:ReadingInterval={TimeSpan.FromSeconds(1 / ticksPerSecond):c}",
            $"Generator:TicksPerSecond={ticksPerSecond.ToString(CultureInfo.InvariantCulture)}", "Generator:AlignToWallClock=true",
            $"{StageHistograms.DirectorySetting}={metricsDirectory}",
            .. target.Settings, .. settings,
        ]);
        // The services' logs (and the AppHost's) go to a file, not to the console: a run prints its progress and its result.
        Directory.CreateDirectory(options.LogDirectory);
        var logs = new FileLoggerProvider(logFile);
        builder.Services.AddLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Information).AddProvider(logs));
        Console.Error.WriteLine($"  {target.Name} at {rate:N0}/s (run {run}): services' logs in {logFile}");
        await using var app = await builder.BuildAsync();
        var logHint = $"{logFile} (the AppHost's, with every resource's console)" +
                      (target.Broker == "rabbitmq" ? $"; the broker's files (erl_crash.dump if its VM died) in {Path.Combine(dataDirectory, "rabbitmq")}" : "");
        try
        {
            await BoundedStart.StartAsync(app, [target.Broker], BoundedStart.BrokerTimeout, logHint);
        }
        catch (ResourceNotReadyException failure)
        {
            BoundedStart.ReportAndBoundTeardown(failure);
            throw;
        }

        await using var events = new ServiceLogEvents(app, target.Services);
        await ReportReadinessAsync(app, target, start, logHint);

        var sink = new CsvTail(Path.Combine(dataDirectory, target.SinkFolder, "enriched-readings"));
        var warmupEnds = start + options.Warmup;
        var measureEnds = warmupEnds + options.Measured;
        long writtenAtStart = 0;
        long backlogAtStart = 0;
        var cpuAtStart = new Dictionary<string, double>();
        var machineAtStart = default(MachineCpu);
        StageHistograms? histogramsAtStart = null;
        var (progressAt, rowsAtProgress) = (start, 0L);
        while (DateTime.UtcNow < measureEnds)
        {
            await Task.Delay(250);
            var now = DateTime.UtcNow;
            sink.Refresh();
            if (now - progressAt >= TimeSpan.FromSeconds(5) && now > start)
            {
                // Progress, and the run's shape: how fast the backlog of a start builds up or is worked off.
                Console.Error.WriteLine($"  {rate:N0}/s, {(now - start).TotalSeconds:0} s in ({(now < warmupEnds ? "warm-up" : "measured")}): " +
                    $"{(sink.Rows - rowsAtProgress) / (now - progressAt).TotalSeconds:N0} rows/s written, backlog {Sent(now) - sink.Rows:N0}");
                (progressAt, rowsAtProgress) = (now, sink.Rows);
            }

            if (histogramsAtStart is null && now >= warmupEnds)
            {
                writtenAtStart = sink.Rows;
                backlogAtStart = Sent(now) - sink.Rows;
                cpuAtStart = CpuSeconds();
                machineAtStart = MachineCpu.Read();
                histogramsAtStart = StageHistograms.Read(metricsDirectory);
            }
        }

        sink.Refresh();
        var written = sink.Rows - writtenAtStart;
        var backlogAtEnd = Sent(DateTime.UtcNow) - sink.Rows;
        // The services write their histograms once a second: the last second's are in a moment later.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var histograms = StageHistograms.Read(metricsDirectory).Minus(histogramsAtStart ?? StageHistograms.Empty);
        var memory = PeakWorkingSets();
        var cpu = CpuSeconds().ToDictionary(c => c.Key, c => (c.Value - cpuAtStart.GetValueOrDefault(c.Key)) / options.Measured.TotalSeconds);
        var machine = MachineCpu.Read().Since(machineAtStart);
        Console.Error.WriteLine($"  CPU cores used over the measured window at {rate:N0}/s: " + string.Join(", ", cpu.Select(c => $"{c.Key} {c.Value:F2}")));
        // A shared host shows in the guest only as slower CPU: say how much of the machine's time the host took.
        Console.Error.WriteLine($"  the machine over the measured window: {machine.IdlePercent:0} % idle, {machine.StealPercent:0} % of its CPU time taken by the host (steal)" +
                                (machine.Noticeable ? ": the services ran on less than the machine's cores" : ""));
        Console.Error.WriteLine($"  from the start: {events.Summary()}");

        var endToEnd = histograms.EndToEnd(target.ResourcePrefix + "sink");
        var budget = histograms.Budget(target, endToEnd);
        Console.WriteLine();
        Console.WriteLine($"  where the time went at {rate:N0}/s ({target.Name}), measured window, from the services' stage histograms:");
        Console.WriteLine(StageHistograms.BudgetTable(budget));
        if (options.BudgetFile is { } budgetFile)
        {
            StageHistograms.AppendBudget(budgetFile, options.Label, target.Application, rate, budget);
        }

        // Sustained: the backlog grew by less than two seconds of readings (a tick's readings arrive at once) and no
        // consumer lost its place to the embedded cluster's retention.
        var offsetResets = events.Count("offset resets");
        var grew = backlogAtEnd - backlogAtStart;
        var sustained = grew <= 2L * rate && offsetResets == 0 && written > 0;
        var verdict = sustained ? "yes"
            : written == 0 ? "NO: no row written in the measured window"
            : offsetResets > 0 ? $"NO: {offsetResets} offset resets (readings lost to the retention)"
            : $"NO: backlog grew by {grew:N0} ({grew / options.Measured.TotalSeconds:N0}/s)";
        if (!sustained && machine.Noticeable)
        {
            verdict += $"; the host took {machine.StealPercent:0} % of the CPU (steal)";
        }

        if (options.ResultsFile is { } resultsFile)
        {
            AppendRun(resultsFile, target, rate, run, run == 1 && options.Cold, written / options.Measured.TotalSeconds, backlogAtStart, backlogAtEnd,
                endToEnd, offsetResets, sustained, memory, cpu, machine, [.. target.Settings, .. settings]);
        }

        return new RunResult($"| {rate:N0} | {nodes} × {ticksPerSecond:0.##} | {written / options.Measured.TotalSeconds:N0} | {backlogAtStart:N0} → {backlogAtEnd:N0} | " +
                             $"{endToEnd.Percentile(0.50):N0} ms | {endToEnd.Percentile(0.99):N0} ms | " +
                             $"{string.Join(", ", memory.Select(m => $"{m.Key} {m.Value}"))} | {verdict} |", sustained, verdict, histograms);

        // Tick n is due at start + n / Hz: by `at`, ticks 0 … ⌊(at − start) × Hz⌋ were sent.
        long Sent(DateTime at) => at < start ? 0 : ((long)((at - start).TotalSeconds * ticksPerSecond) + 1) * nodes;
    }

    /// <summary>The columns of a results file (<c>--results</c>), one row per measured run.</summary>
    internal const string ResultsHeader = "application,offered_per_s,run,cold,written_per_s,backlog_start,backlog_end,p50_ms,p99_ms,offset_resets,sustained," +
                                          "generator_mb,processor_mb,sink_mb,generator_cores,processor_cores,sink_cores,other_cores,steal_pct,date,commit,settings";

    /// <summary>The header of a results file written with other columns than <see cref="ResultsHeader"/>; null for a new, empty or matching file.</summary>
    internal static string? OtherColumns(string file) =>
        HasHeader(file) && File.ReadLines(file).First() is var first && first != ResultsHeader ? first : null;

    /// <summary>A file not empty: it begins with the header it was started with.</summary>
    private static bool HasHeader(string file) => File.Exists(file) && new FileInfo(file).Length > 0;

    private static void AppendRun(string file, PipelineTarget target, int rate, int run, bool cold, double writtenPerSecond, long backlogStart,
        long backlogEnd, Histogram endToEnd, int offsetResets, bool sustained, IReadOnlyDictionary<string, long> memory, IReadOnlyDictionary<string, double> cpu,
        MachineCpu machine, IReadOnlyList<string> settings)
    {
        var services = new[] { "generator", "processor", "sink" };
        var other = cpu.Where(c => !services.Contains(c.Key)).Sum(c => c.Value);
        var row = string.Join(',', target.Application, rate, run, cold ? "true" : "false", F(writtenPerSecond, "0"), backlogStart, backlogEnd,
            F(endToEnd.Percentile(0.50), "0.0"), F(endToEnd.Percentile(0.99), "0.0"), offsetResets, sustained ? "true" : "false",
            memory.GetValueOrDefault("generator"), memory.GetValueOrDefault("processor"), memory.GetValueOrDefault("sink"),
            F(cpu.GetValueOrDefault("generator"), "0.00"), F(cpu.GetValueOrDefault("processor"), "0.00"), F(cpu.GetValueOrDefault("sink"), "0.00"),
            F(other, "0.00"), F(machine.StealPercent, "0"), DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), GitCommit(),
            // What the run changed from the defaults, beside the application (traces sampled at 1 % in every run).
            string.Join(' ', settings.Where(s => !s.StartsWith("OTEL_", StringComparison.Ordinal) && !s.StartsWith("Application:Transports=", StringComparison.Ordinal))));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        if (OtherColumns(file) is { } existing)
        {
            // A row under another file's columns would be read as the wrong figures.
            Console.Error.WriteLine($"  NOT appended: {file} has other columns ({existing.Split(',').Length} of them, this run writes {ResultsHeader.Split(',').Length}); " +
                                    "give --results a new file, or move the old one aside");
            return;
        }

        File.AppendAllText(file, (HasHeader(file) ? "" : ResultsHeader + "\n") + row + "\n");
        Console.Error.WriteLine($"  appended run {run} to {file}");

        static string F(double value, string format) => double.IsNaN(value) ? "" : value.ToString(format, CultureInfo.InvariantCulture);
    }

    internal static string GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? commit : "";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }

    /// <summary>
    /// Waits for the services to be healthy and says how long before the generators' first tick they were. A run
    /// whose services come up late starts with a backlog (the generator skips the ticks it missed; the backlog
    /// counts them), which at high rates can outgrow the embedded cluster's retention: it is flagged, not hidden.
    /// </summary>
    private static async Task ReportReadinessAsync(DistributedApplication app, PipelineTarget target, DateTime start, string logHint)
    {
        var bound = TimeSpan.FromMinutes(3);
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await BoundedStart.WaitHealthyAsync(app, [.. target.Services], bound, logHint, timeout.Token);
        }
        catch (ResourceNotReadyException failure)
        {
            BoundedStart.ReportAndBoundTeardown(failure);
            throw;
        }

        var spare = (start - DateTime.UtcNow).TotalSeconds;
        Console.Error.WriteLine(spare >= 0
            ? $"  services healthy {spare:0.0} s before the generators' first tick"
            : $"  WARNING: services healthy {-spare:0.0} s AFTER the generators' first tick: this run starts with a backlog");
    }

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

    // Only this checkout's processes: each service runs its built assembly (or `dotnet run` of its project) from under
    // the repository this benchmark was built in. Another checkout's AppHost or test run on the machine must not count.
    private static readonly string RepositoryRoot =
        AppContext.BaseDirectory[..(AppContext.BaseDirectory.IndexOf("/Tests/Benchmarks/", StringComparison.Ordinal) + 1)];

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
                if (commandLine.Contains($"HpcAspire.{service}", StringComparison.Ordinal) && !commandLine.Contains("dotnet run", StringComparison.Ordinal)
                    && commandLine.Contains(RepositoryRoot, StringComparison.Ordinal))
                {
                    yield return (service.ToLowerInvariant(), process.Id);
                }
            }
        }
    }

    /// <summary>Peak resident memory (VmHWM, MB) of each service (its largest process), and of this process (AppHost and embedded Kafka).</summary>
    private static SortedDictionary<string, long> PeakWorkingSets()
    {
        var peaks = new SortedDictionary<string, long> { ["apphost+kafka"] = VmHwmKilobytes(Environment.ProcessId) / 1024 };
        foreach (var (service, pid) in ServiceProcesses())
        {
            peaks[service] = Math.Max(peaks.GetValueOrDefault(service), VmHwmKilobytes(pid) / 1024);
        }

        return peaks;
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
/// Counts the rows in the sink's CSV files (every row written since the last look). Latency comes from the sink's own
/// histogram, not from here: the tail runs in the benchmark's process beside the embedded brokers, on the same two
/// cores as the application, so it only counts line ends.
/// </summary>
internal sealed class CsvTail(string directory)
{
    private readonly Dictionary<string, long> _positions = [];
    private readonly byte[] _buffer = new byte[1 << 20];

    public long Rows { get; private set; }

    public void Refresh()
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var file in Directory.GetFiles(directory, "*.csv", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var position = _positions.GetValueOrDefault(file);
            stream.Position = position;
            int read;
            while ((read = stream.Read(_buffer, 0, _buffer.Length)) > 0)
            {
                var chunk = _buffer.AsSpan(0, read);
                var complete = chunk.LastIndexOf("\r\n"u8);
                if (complete < 0)
                {
                    break;
                }

                var rows = chunk.Count("\r\n"u8);
                // A file read from its start begins with its header.
                Rows += position == 0 ? rows - 1 : rows;
                position += complete + 2;
                stream.Position = position;
            }

            _positions[file] = position;
        }
    }
}

using System.Diagnostics;
using HpcAspire.Domain.Simulation;
using HpcAspire.Domain.Storage;
using HpcAspire.Tests.Sink;
using Xunit.Abstractions;

namespace HpcAspire.Tests.Support;

/// <summary>One application of an AppHost run: where its sink writes, and which resources are its processor and sink.</summary>
internal sealed record PipelineApplication(string SinkFolder, string Processor, string Sink)
{
    public static readonly PipelineApplication Kafka = new("sink", "processor", "sink");

    public static readonly PipelineApplication RabbitMQ = new("sink-rabbitmq", "rabbitmq-processor", "rabbitmq-sink");
}

/// <summary>
/// One AppHost run of a fixed simulation through the Kafka application, the RabbitMQ application or both, and the
/// rows each sink must end with: those of one uninterrupted in-memory run of the domain logic.
/// </summary>
internal sealed class PipelineRun
{
    public const string Readings = "enriched-readings";
    public const string Energy = "job-energy";

    public static readonly ClusterOptions Cluster = new()
    {
        NodeCount = 8, Seed = 11, StartTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), AnomalyRate = 0.01,
    };

    private readonly string _dataDirectory;

    private PipelineRun(DistributedApplication app, ExpectedResults expected, string dataDirectory)
    {
        App = app;
        Expected = expected;
        _dataDirectory = dataDirectory;
        ExpectedReadings = expected.Readings.Select(r => Row(ResultRows.Record(r))).ToList();
        ExpectedEnergy = expected.Energies.Select(e => Row(ResultRows.Record(e))).ToList();
    }

    public DistributedApplication App { get; }

    public ExpectedResults Expected { get; }

    public List<string> ExpectedReadings { get; }

    public List<string> ExpectedEnergy { get; }

    /// <summary>The Kafka application's sink output (the one most tests look at).</summary>
    public SinkOutput Sink => SinkOf(PipelineApplication.Kafka);

    public SinkOutput SinkOf(PipelineApplication application) => new(Path.Combine(_dataDirectory, application.SinkFolder));

    /// <summary>Starts the AppHost in embedded mode with the fixed simulation, bounded to <paramref name="ticks"/>; more settings may follow.</summary>
    public static async Task<PipelineRun> StartAsync(int ticks, int ticksPerSecond, string[]? waitFor = null, params string[] settings)
    {
        var dataDirectory = TestDirectories.Create("pipeline");
        var app = await AppHostFactory.StartEmbeddedAsync(waitFor ?? ["kafka", "schema-registry-service"],
        [
            $"Infrastructure:DataDirectory={dataDirectory}",
            $"Cluster:NodeCount={Cluster.NodeCount}", $"Cluster:Seed={Cluster.Seed}", $"Cluster:StartTime={Cluster.StartTime:O}",
            $"Cluster:AnomalyRate={Cluster.AnomalyRate}", $"Generator:TicksPerSecond={ticksPerSecond}", $"Generator:MaxTicks={ticks}",
            .. settings,
        ]);
        return new PipelineRun(app, new ExpectedResults(Cluster, ticks), dataDirectory);
    }

    public Task WaitForReadingRowsAsync(int count) => WaitForReadingRowsAsync(PipelineApplication.Kafka, count);

    public async Task WaitForReadingRowsAsync(PipelineApplication application, int count)
    {
        var sink = SinkOf(application);
        if (!await sink.WaitForRowsAsync(Readings, count, TimeSpan.FromMinutes(2)))
        {
            Assert.Fail($"Only {sink.Rows(Readings).Count} of {count} enriched rows arrived.\n{await LogsAsync(application)}");
        }
    }

    public Task AssertExactRowsAsync(ITestOutputHelper log) => AssertExactRowsAsync(PipelineApplication.Kafka, log);

    /// <summary>Waits for every expected row, then checks that nothing else (no duplicate, no stray row) is there.</summary>
    public async Task AssertExactRowsAsync(PipelineApplication application, ITestOutputHelper log)
    {
        var sink = SinkOf(application);
        var clock = Stopwatch.StartNew();
        var arrived = await sink.WaitForRowsAsync(Readings, ExpectedReadings.Count, TimeSpan.FromMinutes(3))
                      && await sink.WaitForRowsAsync(Energy, ExpectedEnergy.Count, TimeSpan.FromMinutes(1));
        if (!arrived)
        {
            Assert.Fail($"{sink.Rows(Readings).Count} of {ExpectedReadings.Count} enriched rows, " +
                        $"{sink.Rows(Energy).Count} of {ExpectedEnergy.Count} energy rows reached {application.Sink}.\n{await LogsAsync(application)}");
        }

        log.WriteLine($"{application.Sink}: all {ExpectedReadings.Count} enriched and {ExpectedEnergy.Count} energy rows after {clock.Elapsed.TotalSeconds:F1} s more");
        await Task.Delay(TimeSpan.FromSeconds(3)); // anything extra (a duplicate) would have arrived by now
        var readingRows = sink.Rows(Readings);
        var energyRows = sink.Rows(Energy);
        Assert.Equal(readingRows.Count, readingRows.Distinct().Count());
        Assert.Equal(energyRows.Count, energyRows.Distinct().Count());
        AssertSameRows(ExpectedReadings, readingRows);
        AssertSameRows(ExpectedEnergy, energyRows);
    }

    private static void AssertSameRows(List<string> expected, List<string> actual)
    {
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0 && expected.Count == actual.Count,
            $"{actual.Count} rows for {expected.Count} expected; {missing.Count} missing, e.g.\n  {string.Join("\n  ", missing.Take(3))}\n" +
            $"{extra.Count} not expected, e.g.\n  {string.Join("\n  ", extra.Take(3))}");
    }

    public async Task<string> LogsAsync(PipelineApplication application) =>
        $"{await ResourceLogs.ReadAsync(App, application.Processor)}\n{await ResourceLogs.ReadAsync(App, application.Sink)}";

    private static string Row(string record) => record[..^CsvFormat.LineEnd.Length];
}

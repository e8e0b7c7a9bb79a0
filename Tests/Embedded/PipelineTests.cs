using System.Diagnostics;
using System.Globalization;
using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;
using HpcAspire.Domain.Storage;
using HpcAspire.Tests.Sink;
using HpcAspire.Tests.Support;
using Xunit.Abstractions;

namespace HpcAspire.Tests.Embedded;

/// <summary>
/// The whole Kafka application through the real AppHost: generators → processor → sink CSV, undisturbed,
/// with the processor killed and restarted mid-stream, and with broker 2 stopped mid-stream. Each run
/// must leave exactly the rows one uninterrupted in-memory run of the domain logic gives.
/// </summary>
public class PipelineTests(ITestOutputHelper log)
{
    private const string Readings = "enriched-readings";
    private const string Energy = "job-energy";

    private static readonly ClusterOptions Cluster = new()
    {
        NodeCount = 8, Seed = 11, StartTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), AnomalyRate = 0.01,
    };

    [Fact]
    public async Task The_sink_holds_exactly_the_expected_rows_and_job_energy_matches_an_independent_calculation()
    {
        var run = await PipelineRun.StartAsync(ticks: 600, ticksPerSecond: 0);
        await using var app = run.App;
        await run.AssertExactRowsAsync(log);

        // Energy per job against an independent integration of the simulated power.
        var header = ResultRows.JobEnergyHeader;
        var ended = run.Expected.Ticks.SelectMany(t => t.JobEvents)
            .Where(e => e.State is JobState.Completed or JobState.Failed or JobState.Cancelled).ToDictionary(e => e.JobId);
        var power = run.Expected.Ticks.SelectMany(t => t.Readings).ToDictionary(r => (r.NodeId, r.Timestamp), r => r.PowerWatts);
        var energyRows = run.Sink.Rows(Energy);
        Assert.NotEmpty(energyRows);
        foreach (var row in energyRows.Select(r => r.Split(',')))
        {
            var jobEnd = ended[row[Array.IndexOf(header, "job_id")]];
            var start = DateTime.Parse(row[Array.IndexOf(header, "start_time")], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
            var joules = 0.0;
            for (var t = start; t < jobEnd.Timestamp; t = t.AddSeconds(1))
            {
                joules += jobEnd.Nodes.Sum(node => (power[(node, t)] + power[(node, t.AddSeconds(1))]) / 2);
            }

            var kwh = double.Parse(row[Array.IndexOf(header, "energy_kwh")], CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(kwh - joules / 3_600_000) <= joules / 3_600_000 * 0.001, $"{jobEnd.JobId}: {kwh} kWh, expected {joules / 3_600_000} kWh");
        }
    }

    [Fact]
    public async Task A_processor_killed_mid_stream_and_restarted_leaves_exactly_the_expected_rows()
    {
        var run = await PipelineRun.StartAsync(ticks: 900, ticksPerSecond: 30);
        await using var app = run.App;
        await run.WaitForReadingRowsAsync(run.ExpectedReadings.Count / 3);

        var pid = await ResourceProcesses.KillAsync(app, "processor");
        var rowsAtKill = run.Sink.Rows(Readings).Count;
        log.WriteLine($"Killed the processor (pid {pid}) with {rowsAtKill} of {run.ExpectedReadings.Count} enriched rows written");
        Assert.True(rowsAtKill < run.ExpectedReadings.Count, "The stream ended before the processor could be killed mid-stream.");
        await Task.Delay(TimeSpan.FromSeconds(2)); // readings pile up meanwhile

        await ResourceProcesses.StartAsync(app, "processor");
        await run.AssertExactRowsAsync(log);
    }

    [Fact]
    public async Task Broker_2_stopped_mid_stream_and_started_again_leaves_exactly_the_expected_rows()
    {
        var run = await PipelineRun.StartAsync(ticks: 900, ticksPerSecond: 30);
        await using var app = run.App;
        var commands = app.Services.GetRequiredService<ResourceCommandService>();
        await run.WaitForReadingRowsAsync(run.ExpectedReadings.Count / 4);

        var stopped = await commands.ExecuteCommandAsync("kafka-2", "stop-broker");
        Assert.True(stopped.Success, stopped.Message);
        var rowsAtStop = run.Sink.Rows(Readings).Count;
        log.WriteLine($"Stopped broker 2 with {rowsAtStop} of {run.ExpectedReadings.Count} enriched rows written");
        await run.WaitForReadingRowsAsync(rowsAtStop + run.ExpectedReadings.Count / 4); // the pipeline goes on without it

        var started = await commands.ExecuteCommandAsync("kafka-2", "start-broker");
        Assert.True(started.Success, started.Message);
        log.WriteLine($"Started broker 2 with {run.Sink.Rows(Readings).Count} rows written");
        await run.AssertExactRowsAsync(log);
    }

    /// <summary>One AppHost run of a fixed simulation and the rows the sink must end with.</summary>
    private sealed class PipelineRun
    {
        private PipelineRun(DistributedApplication app, ExpectedResults expected, SinkOutput sink)
        {
            App = app;
            Expected = expected;
            Sink = sink;
            ExpectedReadings = expected.Readings.Select(r => Row(ResultRows.Row(r))).ToList();
            ExpectedEnergy = expected.Energies.Select(e => Row(ResultRows.Row(e))).ToList();
        }

        public DistributedApplication App { get; }

        public ExpectedResults Expected { get; }

        public SinkOutput Sink { get; }

        public List<string> ExpectedReadings { get; }

        public List<string> ExpectedEnergy { get; }

        public static async Task<PipelineRun> StartAsync(int ticks, int ticksPerSecond)
        {
            var dataDirectory = TestDirectories.Create("pipeline");
            var app = await AppHostFactory.StartEmbeddedAsync(["kafka", "schema-registry-service"],
                $"Infrastructure:DataDirectory={dataDirectory}",
                $"Cluster:NodeCount={Cluster.NodeCount}", $"Cluster:Seed={Cluster.Seed}", $"Cluster:StartTime={Cluster.StartTime:O}",
                $"Cluster:AnomalyRate={Cluster.AnomalyRate}", $"Generator:TicksPerSecond={ticksPerSecond}", $"Generator:MaxTicks={ticks}");
            return new PipelineRun(app, new ExpectedResults(Cluster, ticks), new SinkOutput(Path.Combine(dataDirectory, "sink")));
        }

        public async Task WaitForReadingRowsAsync(int count)
        {
            if (!await Sink.WaitForRowsAsync(Readings, count, TimeSpan.FromMinutes(2)))
            {
                Assert.Fail($"Only {Sink.Rows(Readings).Count} of {count} enriched rows arrived.\n{await LogsAsync()}");
            }
        }

        /// <summary>Waits for every expected row, then checks that nothing else (no duplicate, no stray row) is there.</summary>
        public async Task AssertExactRowsAsync(ITestOutputHelper log)
        {
            var clock = Stopwatch.StartNew();
            var arrived = await Sink.WaitForRowsAsync(Readings, ExpectedReadings.Count, TimeSpan.FromMinutes(3))
                          && await Sink.WaitForRowsAsync(Energy, ExpectedEnergy.Count, TimeSpan.FromMinutes(1));
            if (!arrived)
            {
                Assert.Fail($"{Sink.Rows(Readings).Count} of {ExpectedReadings.Count} enriched rows, " +
                            $"{Sink.Rows(Energy).Count} of {ExpectedEnergy.Count} energy rows reached the sink.\n{await LogsAsync()}");
            }

            log.WriteLine($"All {ExpectedReadings.Count} enriched and {ExpectedEnergy.Count} energy rows after {clock.Elapsed.TotalSeconds:F1} s more");
            await Task.Delay(TimeSpan.FromSeconds(3)); // anything extra (a duplicate) would have arrived by now
            var readingRows = Sink.Rows(Readings);
            var energyRows = Sink.Rows(Energy);
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

        private async Task<string> LogsAsync() =>
            $"{await ResourceLogs.ReadAsync(App, "processor")}\n{await ResourceLogs.ReadAsync(App, "sink")}";

        private static string Row(string?[] fields) => CsvFormat.Record(fields)[..^CsvFormat.LineEnd.Length];
    }
}

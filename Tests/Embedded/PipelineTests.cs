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
[Trait(TestKinds.Trait, TestKinds.EndToEnd)]
public class PipelineTests(ITestOutputHelper log)
{
    private const string Readings = PipelineRun.Readings;
    private const string Energy = PipelineRun.Energy;

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
                // The reading at the end tick is already the next job's (or idle): the last second holds the job's last one.
                var next = t.AddSeconds(1) < jobEnd.Timestamp ? t.AddSeconds(1) : t;
                joules += jobEnd.Nodes.Sum(node => (power[(node, t)] + power[(node, next)]) / 2);
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

        // The exact rows came through a cluster that deleted what the processor and the sink had read, kill included.
        var kafka = await app.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceAsync("kafka",
                e => e.Snapshot.Properties.Any(p => p.Name == "Records deleted after reading"))
            .WaitAsync(TimeSpan.FromSeconds(30));
        var deleted = (string)kafka.Snapshot.Properties.Single(p => p.Name == "Records deleted after reading").Value!;
        log.WriteLine($"Records deleted after reading: {deleted}");
        Assert.Matches(@"enriched-readings [1-9][\d,]* · node-readings [1-9][\d,]*", deleted);
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
}

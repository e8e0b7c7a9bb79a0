using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;
using HpcAspire.Domain.Storage;
using HpcAspire.Tests.Sink;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Embedded;

/// <summary>The whole Kafka application through the real AppHost: generators → processor → sink CSV.</summary>
public class PipelineTests
{
    private const int Ticks = 600;

    private static readonly ClusterOptions Cluster = new()
    {
        NodeCount = 8, Seed = 11, StartTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), AnomalyRate = 0.01,
    };

    [Fact]
    public async Task The_sink_holds_exactly_the_expected_rows_and_job_energy_matches_an_independent_calculation()
    {
        var dataDirectory = TestDirectories.Create("pipeline");
        await using var app = await AppHostFactory.StartEmbeddedAsync(["kafka", "schema-registry-service"],
            $"Infrastructure:DataDirectory={dataDirectory}",
            $"Cluster:NodeCount={Cluster.NodeCount}", $"Cluster:Seed={Cluster.Seed}", $"Cluster:StartTime={Cluster.StartTime:O}",
            $"Cluster:AnomalyRate={Cluster.AnomalyRate}", "Generator:TicksPerSecond=0", $"Generator:MaxTicks={Ticks}");

        var expected = new ExpectedResults(Cluster, Ticks);
        var expectedReadings = expected.Readings.Select(r => Row(ResultRows.Row(r))).ToList();
        var expectedEnergy = expected.Energies.Select(e => Row(ResultRows.Row(e))).ToList();
        var ticks = expected.Ticks;
        var sink = new SinkOutput(Path.Combine(dataDirectory, "sink"));
        var arrived = await sink.WaitForRowsAsync("enriched-readings", expectedReadings.Count, TimeSpan.FromMinutes(3))
                      && await sink.WaitForRowsAsync("job-energy", expectedEnergy.Count, TimeSpan.FromMinutes(1));
        if (!arrived)
        {
            Assert.Fail($"{sink.Rows("enriched-readings").Count} of {expectedReadings.Count} enriched rows, " +
                        $"{sink.Rows("job-energy").Count} of {expectedEnergy.Count} energy rows reached the sink.\n" +
                        $"{await ResourceLogs.ReadAsync(app, "processor")}\n{await ResourceLogs.ReadAsync(app, "sink")}");
        }

        await Task.Delay(TimeSpan.FromSeconds(2)); // anything extra (a duplicate) would have arrived by now
        var readingRows = sink.Rows("enriched-readings");
        var energyRows = sink.Rows("job-energy");
        Assert.Equal(readingRows.Count, readingRows.Distinct().Count());
        Assert.Equal(expectedReadings.Order(StringComparer.Ordinal), readingRows.Order(StringComparer.Ordinal));
        Assert.Equal(expectedEnergy.Order(StringComparer.Ordinal), energyRows.Order(StringComparer.Ordinal));

        // Energy per job against an independent integration of the simulated power.
        var power = ticks.SelectMany(t => t.Readings).ToDictionary(r => (r.NodeId, r.Timestamp), r => r.PowerWatts);
        var ended = ticks.SelectMany(t => t.JobEvents).Where(e => e.State is JobState.Completed or JobState.Failed or JobState.Cancelled)
            .ToDictionary(e => e.JobId);
        var header = ResultRows.JobEnergyHeader;
        foreach (var row in energyRows.Select(r => r.Split(',')))
        {
            var jobId = row[Array.IndexOf(header, "job_id")];
            var jobEnd = ended[jobId];
            var start = DateTime.Parse(row[Array.IndexOf(header, "start_time")], null, System.Globalization.DateTimeStyles.AdjustToUniversal);
            var joules = 0.0;
            for (var t = start; t < jobEnd.Timestamp; t = t.AddSeconds(1))
            {
                joules += jobEnd.Nodes.Sum(node => (power[(node, t)] + power[(node, t.AddSeconds(1))]) / 2);
            }

            var kwh = double.Parse(row[Array.IndexOf(header, "energy_kwh")], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(kwh - joules / 3_600_000) <= joules / 3_600_000 * 0.001, $"{jobId}: {kwh} kWh, expected {joules / 3_600_000} kWh");
        }
    }

    private static string Row(string?[] fields) => CsvFormat.Record(fields)[..^CsvFormat.LineEnd.Length];
}

using System.Globalization;
using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;
using HpcAspire.Domain.Simulation;
using HpcAspire.Domain.Storage;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Domain;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public class NodeTelemetryJoinTests
{
    private const int JobEventPartitions = 3;
    private static readonly ClusterOptions Options = new() { NodeCount = 12, Seed = 21, AnomalyRate = 0.003 };
    private static readonly List<ClusterTick> Ticks = ClusterSimulationTests.Run(Options, 2_400);
    private static readonly HashSet<string> Nodes = Enumerable.Range(0, Options.NodeCount).Select(ClusterOptions.NodeName).ToHashSet();

    [Fact]
    public void The_output_is_the_same_whether_readings_or_job_events_arrive_first()
    {
        var interleaved = Run(InterleavedByTick());
        var readingsFirst = Run(ReadingsFirst());
        var jobsFirst = Run(JobsFirst());

        Assert.Equal(Ticks.Sum(t => t.Readings.Count), interleaved.Readings.Count);
        Assert.Equal(Describe(interleaved), Describe(readingsFirst));
        Assert.Equal(Describe(interleaved), Describe(jobsFirst));
    }

    [Fact]
    public void Each_reading_carries_the_job_that_loads_its_node()
    {
        var output = Run(InterleavedByTick());

        Assert.All(output.Readings, enriched => Assert.Equal(
            enriched.Reading.CpuUtilization > 0.5, enriched.JobId is not null));
        Assert.Contains(output.Readings, r => r.JobId is not null);
        Assert.Contains(output.Readings, r => r.Anomalies.Count > 0);
    }

    [Fact]
    public void Job_energy_matches_an_independent_integration_of_the_simulated_readings()
    {
        var output = Run(InterleavedByTick());
        var assembler = new JobEnergyAssembler();
        var energies = output.EnergyParts.Select(assembler.Add).OfType<JobEnergy>().ToList();
        var powerByNodeAndTime = Ticks.SelectMany(t => t.Readings).ToDictionary(r => (r.NodeId, r.Timestamp), r => r.PowerWatts);
        var ended = Ticks.SelectMany(t => t.JobEvents).Where(e => e.State is JobState.Completed or JobState.Failed or JobState.Cancelled).ToList();

        Assert.True(energies.Count > 10, $"only {energies.Count} jobs' energy");
        foreach (var energy in energies)
        {
            // Readings every second on the second, runs start and end on ticks: the energy is the sum of
            // trapezoids of one second between the run's readings, and its last reading held for the last second
            // (the reading at the end tick is taken after the scheduler ended the job: the next job's, or idle).
            var nodes = ended.Single(e => e.JobId == energy.JobId).Nodes;
            var joules = 0.0;
            for (var t = energy.StartTime; t < energy.EndTime; t = t.AddSeconds(1))
            {
                var next = t.AddSeconds(1) < energy.EndTime ? t.AddSeconds(1) : t;
                joules += nodes.Sum(node => (powerByNodeAndTime[(node, t)] + powerByNodeAndTime[(node, next)]) / 2);
            }

            var expectedKwh = joules / 3_600_000;
            Assert.True(Math.Abs(energy.EnergyKilowattHours - expectedKwh) <= expectedKwh * 0.001,
                $"{energy.JobId}: {energy.EnergyKilowattHours} kWh, expected {expectedKwh} kWh");
            Assert.Equal(nodes.Count, energy.NodeCount);
            Assert.Equal(nodes.Count * (long)(energy.EndTime - energy.StartTime).TotalSeconds, energy.ReadingCount);
        }

        // Every job that ended before the last tick (so its closing readings exist) has its energy.
        var last = Ticks[^1].Time;
        Assert.Equal(ended.Where(e => e.Timestamp < last).Select(e => e.JobId).Order(), energies.Select(e => e.JobId).Order());
    }

    [Fact]
    public void A_jobs_peak_is_the_highest_sum_of_its_nodes_readings_at_one_tick_and_its_node_peak_the_highest_single_reading()
    {
        var output = Run(InterleavedByTick());
        var assembler = new JobEnergyAssembler();
        var energies = output.EnergyParts.Select(assembler.Add).OfType<JobEnergy>().ToList();
        var readingsByTime = Ticks.ToDictionary(t => t.Time, t => t.Readings.ToDictionary(r => r.NodeId, r => r.PowerWatts));
        var ended = Ticks.SelectMany(t => t.JobEvents).Where(e => e.State is JobState.Completed or JobState.Failed or JobState.Cancelled).ToDictionary(e => e.JobId);

        Assert.Contains(energies, e => e.NodeCount >= 4);
        foreach (var energy in energies)
        {
            // The scheduler's ticks are the nodes' reading times: the job's total at a tick is its nodes' readings summed (in node order).
            var nodes = ended[energy.JobId].Nodes.Order(StringComparer.Ordinal).ToList();
            var ticks = readingsByTime.Keys.Where(t => t >= energy.StartTime && t < energy.EndTime).ToList();
            var totals = ticks.Select(t => nodes.Aggregate(0.0, (sum, node) => sum + readingsByTime[t][node])).ToList();

            Assert.Equal(totals.Max(), energy.PeakJobPowerWatts);
            Assert.Equal(ticks.SelectMany(t => nodes.Select(node => readingsByTime[t][node])).Max(), energy.PeakNodePowerWatts);
            Assert.Equal(energy.MeanJobPowerWatts / energy.NodeCount, energy.MeanNodePowerWatts!.Value, precision: 9);
        }
    }

    [Fact]
    public void In_the_job_energy_csv_a_jobs_mean_power_never_exceeds_its_peak_on_the_same_basis()
    {
        var output = Run(InterleavedByTick());
        var assembler = new JobEnergyAssembler();
        var energies = output.EnergyParts.Select(assembler.Add).OfType<JobEnergy>().ToList();
        var header = ResultRows.JobEnergyHeader;
        // Every mean_<basis>power_w column beside its peak_<basis>power_w, as a user reads the file.
        var pairs = header.Where(c => c.StartsWith("mean_", StringComparison.Ordinal) && c.EndsWith("power_w", StringComparison.Ordinal))
            .Select(mean => (Mean: Array.IndexOf(header, mean), Peak: Array.IndexOf(header, "peak_" + mean["mean_".Length..])))
            .ToList();

        Assert.NotEmpty(pairs);
        Assert.All(pairs, pair => Assert.True(pair.Peak >= 0, $"{header[pair.Mean]} has no peak column on its basis"));
        Assert.Contains(energies, e => e.NodeCount >= 4);
        foreach (var energy in energies)
        {
            var row = ResultRows.Record(energy)[..^CsvFormat.LineEnd.Length].Split(',');
            foreach (var (mean, peak) in pairs)
            {
                var meanValue = double.Parse(row[mean], CultureInfo.InvariantCulture);
                var peakValue = double.Parse(row[peak], CultureInfo.InvariantCulture);
                Assert.True(meanValue <= peakValue,
                    $"{energy.JobId} on {energy.NodeCount} nodes: {header[mean]} {row[mean]} above {header[peak]} {row[peak]}");
            }
        }
    }

    [Fact]
    public void Readings_wait_for_the_slowest_job_event_partition()
    {
        var join = new NodeTelemetryJoin(JobEventPartitions, Nodes);
        Assert.Null(join.AddReading(Ticks[5].Readings[0]));

        join.AddClock(0, Ticks[5].Time);
        join.AddClock(1, Ticks[5].Time);
        Assert.Empty(join.Drain().Readings); // partition 2 has not reported
        join.AddClock(2, Ticks[4].Time);
        Assert.Empty(join.Drain().Readings); // it reported, but not up to the reading's time
        join.AddClock(2, Ticks[5].Time);
        Assert.Single(join.Drain().Readings);
        Assert.Equal(0, join.WaitingReadings);
    }

    [Fact]
    public void The_waiting_count_follows_readings_added_drained_moved_and_forgotten()
    {
        var join = new NodeTelemetryJoin(JobEventPartitions, Nodes);
        foreach (var tick in Ticks.Take(4))
        {
            foreach (var reading in tick.Readings)
            {
                Assert.Null(join.AddReading(reading));
            }
        }

        Assert.Equal(4 * Options.NodeCount, join.WaitingReadings);
        for (var q = 0; q < JobEventPartitions; q++)
        {
            join.AddClock(q, Ticks[1].Time);
        }

        Assert.Equal(2 * Options.NodeCount, join.Drain().Readings.Count);
        Assert.Equal(2 * Options.NodeCount, join.WaitingReadings);

        // A node's state leaves with its two waiting readings, and comes back with them into another join.
        var node = ClusterOptions.NodeName(3);
        var state = join.ExportNode(node);
        join.ForgetNode(node);
        Assert.Equal(2 * Options.NodeCount - 2, join.WaitingReadings);
        var other = new NodeTelemetryJoin(JobEventPartitions, Nodes);
        other.ImportNode(state);
        other.ImportNode(state); // importing again replaces, it does not add
        Assert.Equal(2, other.WaitingReadings);
        Assert.Equal(2, state.Waiting.Count);
    }

    [Fact]
    public void Invalid_input_is_refused_with_its_reason()
    {
        var join = new NodeTelemetryJoin(JobEventPartitions, Nodes);
        var reading = Ticks[0].Readings[0];

        Assert.Contains("not in the cluster", join.AddReading(new NodeReading { NodeId = "node-999", Timestamp = reading.Timestamp }));
        Assert.Contains("negative power", join.AddReading(new NodeReading { NodeId = reading.NodeId, Timestamp = reading.Timestamp, PowerWatts = -5 }));
        Assert.Contains("not a finite number", join.AddReading(new NodeReading { NodeId = reading.NodeId, Timestamp = reading.Timestamp, PowerWatts = double.NaN }));
        Assert.Null(join.AddReading(reading));
        Assert.Contains("duplicate or out of order", join.AddReading(reading));
        Assert.Contains("never started", join.AddJobEvent(new JobEvent { JobId = "job-424242", State = JobState.Completed }));
        Assert.Contains("not in the cluster", join.AddJobEvent(new JobEvent { JobId = "job-1", State = JobState.Started, Nodes = ["node-999"] }));
    }

    private static JoinOutput Run(IEnumerable<Action<NodeTelemetryJoin>> arrivals)
    {
        var join = new NodeTelemetryJoin(JobEventPartitions, Nodes);
        var readings = new List<EnrichedReading>();
        var parts = new List<JobEnergyPart>();
        foreach (var arrive in arrivals)
        {
            arrive(join);
            var output = join.Drain();
            readings.AddRange(output.Readings);
            parts.AddRange(output.EnergyParts);
        }

        return new JoinOutput(readings, parts);
    }

    private static IEnumerable<Action<NodeTelemetryJoin>> InterleavedByTick() =>
        Ticks.SelectMany(t => JobArrivals(t).Concat(ReadingArrivals(t)));

    private static IEnumerable<Action<NodeTelemetryJoin>> ReadingsFirst() =>
        Ticks.SelectMany(ReadingArrivals).Concat(Ticks.SelectMany(JobArrivals));

    private static IEnumerable<Action<NodeTelemetryJoin>> JobsFirst() =>
        Ticks.SelectMany(JobArrivals).Concat(Ticks.SelectMany(ReadingArrivals));

    private static IEnumerable<Action<NodeTelemetryJoin>> ReadingArrivals(ClusterTick tick) =>
        tick.Readings.Select(reading => (Action<NodeTelemetryJoin>)(join => Assert.Null(join.AddReading(reading))));

    // As the generator writes them: the tick's events by job, then a clock to every partition.
    private static IEnumerable<Action<NodeTelemetryJoin>> JobArrivals(ClusterTick tick) =>
        tick.JobEvents.Select(e => (Action<NodeTelemetryJoin>)(join => Assert.Null(join.AddJobEvent(e))))
            .Concat(Enumerable.Range(0, JobEventPartitions).Select(p => (Action<NodeTelemetryJoin>)(join => join.AddClock(p, tick.Time))));

    private static string Describe(JoinOutput output) =>
        string.Join("\n", output.Readings.GroupBy(r => r.Reading.NodeId).OrderBy(g => g.Key).SelectMany(g => g.Select(r =>
            $"{r.Reading.NodeId} {r.Reading.Timestamp:O} {r.JobId} {r.Statistics.MeanPowerWatts:R} {string.Join(",", r.Anomalies)}")))
        + "\n" + string.Join("\n", output.EnergyParts.Select(p => $"{p.JobId} {p.NodeId} {p.Joules:R} {p.ReadingCount}").Order());
}

using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Domain;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public class ProcessingTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Node_energy_is_the_trapezoid_integral_of_power_over_time()
    {
        var integral = new NodeEnergyIntegral(T0);
        integral.Add(Reading(0, power: 100));
        integral.Add(Reading(1, power: 200));
        integral.Add(Reading(3, power: 300));

        // (100+200)/2 * 1 s + (200+300)/2 * 2 s = 150 J + 500 J
        Assert.Equal(650, integral.Joules, precision: 9);
        Assert.Equal(300, integral.PeakPowerWatts);
        Assert.Equal(3, integral.ReadingCount);
        Assert.Throws<ArgumentException>(() => integral.Add(Reading(2, power: 100)));
    }

    [Fact]
    public void Job_energy_sums_every_nodes_share_once_in_kilowatt_hours_and_averages_over_the_run()
    {
        var assembler = new JobEnergyAssembler();
        var first = Part("node-001", joules: 3_600_000, peak: 1000, readings: 3600);   // 1 kW for an hour
        var second = Part("node-002", joules: 1_800_000, peak: 500, readings: 3600);   // 0.5 kW for an hour

        Assert.Null(assembler.Add(first));
        Assert.Null(assembler.Add(first)); // delivered twice, counted once
        var energy = assembler.Add(second);

        Assert.NotNull(energy);
        Assert.Equal(1.5, energy.EnergyKilowattHours, precision: 9);
        Assert.Equal(1500, energy.MeanJobPowerWatts, precision: 6);
        Assert.Equal(750, energy.MeanNodePowerWatts!.Value, precision: 6);
        Assert.Equal(1000, energy.PeakNodePowerWatts);
        Assert.Null(energy.PeakJobPowerWatts); // shares without power samples: the job's total peak is not known
        Assert.Equal(7200, energy.ReadingCount);
        Assert.Equal(JobState.Completed, energy.FinalState);
        Assert.Equal(0, assembler.PendingJobs);
    }

    [Fact]
    public void A_jobs_energy_is_the_same_to_the_last_bit_whatever_order_its_shares_arrive_in()
    {
        // (0.1 + 0.2) + 0.3 and 0.3 + (0.2 + 0.1) differ in the last bit.
        JobEnergyPart[] shares = [Part("node-001", 0.1, 1, 1, nodes: 3), Part("node-002", 0.2, 1, 1, nodes: 3), Part("node-003", 0.3, 1, 1, nodes: 3)];
        var forward = new JobEnergyAssembler();
        var backward = new JobEnergyAssembler();

        var first = AddAll(forward, shares);
        var second = AddAll(backward, [.. shares.Reverse()]);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(BitConverter.DoubleToInt64Bits(first.EnergyKilowattHours), BitConverter.DoubleToInt64Bits(second.EnergyKilowattHours));
        Assert.Equal(BitConverter.DoubleToInt64Bits(first.MeanJobPowerWatts), BitConverter.DoubleToInt64Bits(second.MeanJobPowerWatts));
    }

    [Fact]
    public void A_jobs_peak_is_its_highest_total_at_one_instant_and_a_nodes_peak_its_highest_single_reading()
    {
        // node-002 reads half-way between node-001's ticks; each is linear between its readings and held beyond them.
        var assembler = new JobEnergyAssembler();
        var first = Part("node-001", joules: 0, peak: 500, readings: 4);
        first.Power = [Sample(0, 100), Sample(1, 500), Sample(2, 100), Sample(3, 100)];
        var second = Part("node-002", joules: 0, peak: 400, readings: 3);
        second.Power = [Sample(0.5, 200), Sample(1.5, 400), Sample(2.5, 200)];

        Assert.Null(assembler.Add(first));
        var energy = assembler.Add(second);

        // At 1 s: node-001's 500 W and node-002 half-way from 200 to 400 W. Neither node peaks there, and the sum
        // of their peaks (900 W) is never drawn.
        Assert.NotNull(energy);
        Assert.Equal(800, energy.PeakJobPowerWatts!.Value, precision: 9);
        Assert.Equal(500, energy.PeakNodePowerWatts);
    }

    private static PowerSample Sample(double second, double watts) => new() { Time = T0.AddSeconds(second), Watts = watts };

    private static JobEnergy? AddAll(JobEnergyAssembler assembler, IEnumerable<JobEnergyPart> shares)
    {
        JobEnergy? energy = null;
        foreach (var share in shares)
        {
            energy = assembler.Add(share) ?? energy;
        }

        return energy;
    }

    private static JobEnergyPart Part(string node, double joules, double peak, long readings, int nodes = 2) => new()
    {
        JobId = "job-1", NodeId = node, User = "ada", Account = "climate-lab", FinalState = JobState.Completed,
        StartTime = T0, EndTime = T0.AddHours(1), NodeCount = nodes, ReadingCount = readings, Joules = joules, PeakPowerWatts = peak,
    };

    [Fact]
    public void Rolling_statistics_cover_only_the_last_readings()
    {
        var window = new RollingWindow(capacity: 3);
        window.Add(Reading(0, power: 10, cpu: 50));
        window.Add(Reading(1, power: 20, cpu: 60));
        window.Add(Reading(2, power: 30, cpu: 70));
        var statistics = window.Add(Reading(3, power: 40, cpu: 80));

        Assert.Equal(3, statistics.SampleCount);
        Assert.Equal(30, statistics.MeanPowerWatts, precision: 9);
        Assert.Equal(Math.Sqrt(200.0 / 3), statistics.StdDevPowerWatts, precision: 9); // deviations -10, 0, 10
        Assert.Equal(40, statistics.MaxPowerWatts);
        Assert.Equal(70, statistics.MeanCpuTemperatureCelsius, precision: 9);
        Assert.Equal(80, statistics.MaxCpuTemperatureCelsius);
    }

    [Fact]
    public void Rolling_statistics_are_the_same_to_the_bit_as_averaging_and_maximising_the_window_with_linq()
    {
        var random = new Random(7);
        var window = new RollingWindow(capacity: 30);
        var kept = new Queue<NodeReading>();
        for (var second = 0; second < 200; second++)
        {
            var reading = Reading(second, power: 100 + random.NextDouble() * 400, cpu: 40 + random.NextDouble() * 50, gpu: 35 + random.NextDouble() * 50);
            if (kept.Count == 30)
            {
                kept.Dequeue();
            }

            kept.Enqueue(reading);
            var statistics = window.Add(reading);

            var mean = kept.Average(r => r.PowerWatts);
            Assert.Equal(mean, statistics.MeanPowerWatts);
            Assert.Equal(Math.Sqrt(kept.Average(r => (r.PowerWatts - mean) * (r.PowerWatts - mean))), statistics.StdDevPowerWatts);
            Assert.Equal(kept.Max(r => r.PowerWatts), statistics.MaxPowerWatts);
            Assert.Equal(kept.Average(r => r.CpuTemperatureCelsius), statistics.MeanCpuTemperatureCelsius);
            Assert.Equal(kept.Max(r => r.CpuTemperatureCelsius), statistics.MaxCpuTemperatureCelsius);
            Assert.Equal(kept.Average(r => r.GpuTemperatureCelsius), statistics.MeanGpuTemperatureCelsius);
        }
    }

    [Fact]
    public void Overheating_uses_fixed_limits_and_a_spike_is_a_power_jump_the_load_does_not_explain()
    {
        var rules = new AnomalyRules();
        var window = new RollingWindow(30);
        Assert.Empty(rules.Evaluate(Reading(0, power: 900), window)); // nothing to compare with yet

        window.Add(Reading(0, power: 100));
        window.Add(Reading(1, power: 110));

        Assert.Equal([AnomalyKind.PowerSpike], rules.Evaluate(Reading(2, power: 165), window)); // 1.5 × 110 W
        Assert.Empty(rules.Evaluate(Reading(2, power: 164), window));
        Assert.Equal([AnomalyKind.CpuOverheating], rules.Evaluate(Reading(2, power: 110, cpu: 90.5), window));
        Assert.Equal([AnomalyKind.GpuOverheating], rules.Evaluate(Reading(2, power: 110, gpu: 85.5), window));
        Assert.Empty(rules.Evaluate(Reading(2, power: 110, cpu: 90, gpu: 85), window)); // limits are exclusive

        var jobStarting = Reading(2, power: 400);
        jobStarting.GpuUtilization = 0.5;
        Assert.Empty(rules.Evaluate(jobStarting, window)); // the load rose with the power: a job started
    }

    [Fact]
    public void A_reading_belongs_to_the_job_running_on_its_node_from_start_to_just_before_end()
    {
        var allocations = new NodeAllocations();
        Assert.False(allocations.Knows(Event("job-1", JobState.Completed, 20)));

        allocations.Apply(Event("job-1", JobState.Started, 10, "node-001", "node-002"));
        var ended = allocations.Apply(Event("job-1", JobState.Failed, 20, "node-001", "node-002"));

        Assert.Null(allocations.JobOn("node-001", T0.AddSeconds(9)));
        Assert.Equal("job-1", allocations.JobOn("node-001", T0.AddSeconds(10))?.JobId);
        Assert.Equal("job-1", allocations.JobOn("node-002", T0.AddSeconds(19))?.JobId);
        Assert.Null(allocations.JobOn("node-002", T0.AddSeconds(20)));
        Assert.Null(allocations.JobOn("node-003", T0.AddSeconds(15)));
        Assert.Equal(JobState.Failed, ended?.FinalState);
        Assert.Null(allocations.Apply(Event("job-1", JobState.Completed, 21, "node-001"))); // ends once

        allocations.Release("job-1", "node-001");
        Assert.Null(allocations.JobOn("node-001", T0.AddSeconds(15)));
        Assert.Equal("job-1", allocations.JobOn("node-002", T0.AddSeconds(15))?.JobId);
        allocations.Release("job-1", "node-002");
        Assert.Empty(allocations.Runs);
    }

    [Fact]
    public void Energy_comes_from_the_runs_own_readings_held_to_its_start_and_end_and_is_complete_once_a_reading_reaches_its_end()
    {
        // The run is [1 s, 5 s); readings every 2 s at 100, 300, 200, 900 W: only those at 2 s and 4 s are the job's.
        var integral = new NodeEnergyIntegral(T0.AddSeconds(1));
        var end = T0.AddSeconds(5);
        integral.Add(Reading(0, power: 100), end);
        integral.Add(Reading(2, power: 300), end);
        integral.Add(Reading(4, power: 200), end);
        Assert.False(integral.IsCompleteFor(end));
        integral.Add(Reading(6, power: 900), end);

        // [1,2]: 300 W held back to the start, 300 J; [2,4]: 300 -> 200 W, 500 J; [4,5]: 200 W held, 200 J.
        Assert.Equal(1000, integral.Joules, precision: 9);
        Assert.Equal(2, integral.ReadingCount);
        Assert.Equal(300, integral.PeakPowerWatts);
        Assert.Equal([(T0.AddSeconds(2), 300.0), (T0.AddSeconds(4), 200.0)], integral.Power!.Select(s => (s.Time, s.Watts)));
        Assert.True(integral.IsCompleteFor(end));
    }

    [Fact]
    public void A_run_with_more_readings_than_samples_are_kept_for_gives_them_up_and_its_job_has_no_total_peak()
    {
        var integral = new NodeEnergyIntegral(T0);
        for (var second = 0; second <= NodeEnergyIntegral.MaxPowerSamples; second++)
        {
            integral.Add(Reading(second, power: 300));
        }

        Assert.Null(integral.Power);
        Assert.Equal(NodeEnergyIntegral.MaxPowerSamples + 1, integral.ReadingCount);
        Assert.Equal(300.0 * NodeEnergyIntegral.MaxPowerSamples, integral.Joules, precision: 6);
    }

    [Fact]
    public void An_integral_restored_without_its_power_samples_does_not_make_up_the_ones_it_missed()
    {
        var integral = new NodeEnergyIntegral(T0);
        integral.Add(Reading(0, power: 300));

        var restored = NodeEnergyIntegral.Import(integral.Export("job-1") with { Power = null });
        restored.Add(Reading(1, power: 310));

        Assert.Null(restored.Power);
        Assert.Equal(305, restored.Joules, precision: 9);
    }

    private static NodeReading Reading(int second, double power, double cpu = 60, double gpu = 50) => new()
    {
        NodeId = "node-001", Timestamp = T0.AddSeconds(second), PowerWatts = power,
        CpuTemperatureCelsius = cpu, GpuTemperatureCelsius = gpu, CpuUtilization = 0.9, GpuUtilization = 0,
    };

    private static JobEvent Event(string jobId, JobState state, int second, params string[] nodes) => new()
    {
        JobId = jobId, State = state, Timestamp = T0.AddSeconds(second), User = "ada", Account = "climate-lab", Nodes = nodes,
    };
}

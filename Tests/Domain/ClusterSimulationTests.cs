using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;
using HpcAspire.Domain.Simulation;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Domain;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public class ClusterSimulationTests
{
    private static readonly ClusterOptions Options = new() { NodeCount = 12, Seed = 7, AnomalyRate = 0 };

    [Fact]
    public void The_same_seed_gives_the_same_jobs_and_readings_and_another_seed_does_not()
    {
        var first = Run(Options, 600);
        var again = Run(Options, 600);
        var other = Run(Options with { Seed = 8 }, 600);

        Assert.Equal(Fingerprint(first), Fingerprint(again));
        Assert.NotEqual(Fingerprint(first), Fingerprint(other));
    }

    [Fact]
    public void The_job_generator_without_sensors_sends_exactly_the_jobs_the_readings_assume()
    {
        var full = Run(Options, 900).SelectMany(t => t.JobEvents);
        var jobsOnly = Run(Options, 900, withSensors: false).SelectMany(t => t.JobEvents);

        Assert.Equal(full.Select(Describe), jobsOnly.Select(Describe));
    }

    [Fact]
    public void Every_node_reports_once_per_tick_at_one_hertz()
    {
        var ticks = Run(Options, 120);

        foreach (var tick in ticks)
        {
            Assert.Equal(Options.StartTime.AddSeconds(tick.Number), tick.Time);
            Assert.Equal(Enumerable.Range(0, 12).Select(ClusterOptions.NodeName), tick.Readings.Select(r => r.NodeId));
            Assert.All(tick.Readings, r => Assert.Equal(tick.Time, r.Timestamp));
        }
    }

    [Fact]
    public void Jobs_follow_their_lifecycle_and_never_share_a_node()
    {
        var events = Run(Options, 3_600, withSensors: false).SelectMany(t => t.JobEvents).ToList();
        var busy = new Dictionary<string, string>();
        var seen = new Dictionary<string, JobState>();

        foreach (var e in events)
        {
            switch (e.State)
            {
                case JobState.Submitted:
                    Assert.False(seen.ContainsKey(e.JobId));
                    Assert.Empty(e.Nodes);
                    break;
                case JobState.Started:
                    Assert.Equal(JobState.Submitted, seen[e.JobId]);
                    Assert.Equal(e.Requested.Nodes, e.Nodes.Count);
                    foreach (var node in e.Nodes)
                    {
                        Assert.True(busy.TryAdd(node, e.JobId), $"{node} runs {busy.GetValueOrDefault(node)} when {e.JobId} starts on it");
                    }

                    break;
                default:
                    Assert.Equal(JobState.Started, seen[e.JobId]);
                    Assert.All(e.Nodes, node => Assert.True(busy.Remove(node)));
                    Assert.Equal(e.State == JobState.Completed ? 0 : e.State == JobState.Cancelled ? null : e.ExitCode, e.ExitCode);
                    Assert.True(e.State == JobState.Completed ? e.Reason is null : e.Reason is { Length: > 0 });
                    break;
            }

            seen[e.JobId] = e.State;
        }

        Assert.True(seen.Values.Count(s => s == JobState.Completed) > 20, $"an hour of a 12-node cluster should complete dozens of jobs, not {seen.Values.Count(s => s == JobState.Completed)}");
        Assert.Contains(JobState.Failed, seen.Values);
        Assert.Contains(JobState.Cancelled, seen.Values);
    }

    [Fact]
    public void Load_and_power_follow_the_jobs_and_stay_physical()
    {
        var allocations = new NodeAllocations();
        var busyPower = new List<double>();
        var idlePower = new List<double>();

        foreach (var tick in Run(Options, 1_800))
        {
            foreach (var e in tick.JobEvents)
            {
                allocations.Apply(e);
            }

            foreach (var reading in tick.Readings)
            {
                Assert.InRange(reading.CpuUtilization, 0, 1);
                Assert.InRange(reading.GpuUtilization, 0, 1);
                Assert.True(reading.PowerWatts >= 0);
                var running = allocations.JobOn(reading.NodeId, reading.Timestamp) is not null;
                (running ? busyPower : idlePower).Add(reading.PowerWatts);
                Assert.True(running ? reading.CpuUtilization > 0.5 : reading.CpuUtilization < 0.1,
                    $"{reading.NodeId} at {reading.Timestamp:T}: cpu {reading.CpuUtilization}, running {running}");
            }
        }

        Assert.True(busyPower.Average() > idlePower.Average() + 150, $"busy {busyPower.Average():F0} W, idle {idlePower.Average():F0} W");
    }

    [Fact]
    public void Temperature_follows_power_with_inertia()
    {
        // One node, one long job: its CPU warms over tens of seconds, not in one tick.
        var options = new ClusterOptions { NodeCount = 1, Seed = 3, AnomalyRate = 0, MeanJobInterarrival = TimeSpan.FromHours(10), MinJobRuntime = TimeSpan.FromMinutes(5) };
        var readings = Run(options, 200).Select(t => t.Readings[0]).ToList();

        var start = readings.FindIndex(r => r.CpuUtilization > 0.5);
        Assert.True(start >= 0, "the job should start");
        var before = readings[start - 1 >= 0 ? start - 1 : 0].CpuTemperatureCelsius;
        var steady = readings.Skip(start + 100).Take(20).Average(r => r.CpuTemperatureCelsius);
        var firstStep = readings[start].CpuTemperatureCelsius - before;

        Assert.True(steady - before > 15, $"steady {steady:F1} °C vs {before:F1} °C before");
        Assert.True(firstStep < (steady - before) / 4, $"first step {firstStep:F1} °C of {steady - before:F1} °C");
    }

    [Fact]
    public void Anomalies_of_every_kind_appear_at_the_configured_rate_and_none_without_it()
    {
        var rules = new AnomalyRules();

        Dictionary<AnomalyKind, int> CountAnomalies(double rate)
        {
            var windows = new Dictionary<string, RollingWindow>();
            var counts = Enum.GetValues<AnomalyKind>().ToDictionary(kind => kind, _ => 0);
            foreach (var reading in Run(Options with { AnomalyRate = rate }, 1_200).SelectMany(t => t.Readings))
            {
                var window = windows.TryGetValue(reading.NodeId, out var w) ? w : windows[reading.NodeId] = new RollingWindow(30);
                foreach (var kind in rules.Evaluate(reading, window))
                {
                    counts[kind]++;
                }

                window.Add(reading);
            }

            return counts;
        }

        Assert.All(CountAnomalies(0), pair => Assert.Equal(0, pair.Value));
        var flagged = CountAnomalies(0.005); // about 72 episodes in 14,400 readings
        Assert.InRange(flagged[AnomalyKind.PowerSpike], 10, 60);
        Assert.True(flagged[AnomalyKind.CpuOverheating] > 0, "an overheating episode should push a CPU over its limit");
    }

    internal static List<ClusterTick> Run(ClusterOptions options, int ticks, bool withSensors = true)
    {
        var simulation = new ClusterSimulation(options, withSensors);
        return Enumerable.Range(0, ticks).Select(_ => simulation.Next()).ToList();
    }

    private static string Fingerprint(IEnumerable<ClusterTick> ticks) => string.Join("\n", ticks.Select(t =>
        $"{string.Join("|", t.JobEvents.Select(Describe))}#{string.Join("|", t.Readings.Select(r => $"{r.NodeId}:{r.PowerWatts}:{r.CpuTemperatureCelsius}"))}"));

    private static string Describe(JobEvent e) =>
        $"{e.Timestamp:O} {e.JobId} {e.State} {e.User} {string.Join(",", e.Nodes)} {e.ExitCode} {e.Reason}";
}

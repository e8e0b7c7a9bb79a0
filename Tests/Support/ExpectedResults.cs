using System.Globalization;
using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;
using HpcAspire.Domain.Simulation;

namespace HpcAspire.Tests.Support;

/// <summary>What the processor must write for a simulation: one uninterrupted in-memory run of the join.</summary>
internal sealed class ExpectedResults
{
    public ExpectedResults(ClusterOptions options, int tickCount)
    {
        Options = options;
        var simulation = new ClusterSimulation(options);
        Ticks = [.. Enumerable.Range(0, tickCount).Select(_ => simulation.Next())];
        Nodes = Enumerable.Range(0, options.NodeCount).Select(ClusterOptions.NodeName).ToHashSet();
        var join = new NodeTelemetryJoin(3, Nodes);
        var assembler = new JobEnergyAssembler();
        var readings = new List<EnrichedReading>();
        var energies = new List<JobEnergy>();
        foreach (var tick in Ticks)
        {
            Feed(join, tick, assembler, readings, energies);
        }

        Readings = readings;
        Energies = energies;
    }

    /// <summary>One tick as the generators write it: its job events, a clock to each of the 3 partitions, its readings; then a drain.</summary>
    public static void Feed(NodeTelemetryJoin join, ClusterTick tick, JobEnergyAssembler assembler, List<EnrichedReading> readings, List<JobEnergy> energies)
    {
        foreach (var jobEvent in tick.JobEvents)
        {
            Assert.Null(join.AddJobEvent(jobEvent));
        }

        for (var partition = 0; partition < 3; partition++)
        {
            join.AddClock(partition, tick.Time);
        }

        foreach (var reading in tick.Readings)
        {
            Assert.Null(join.AddReading(reading));
        }

        Collect(join.Drain(), assembler, readings, energies);
    }

    public static void Collect(JoinOutput output, JobEnergyAssembler assembler, List<EnrichedReading> readings, List<JobEnergy> energies)
    {
        readings.AddRange(output.Readings);
        energies.AddRange(output.EnergyParts.Select(assembler.Add).OfType<JobEnergy>());
    }

    public ClusterOptions Options { get; }

    public IReadOnlyList<ClusterTick> Ticks { get; }

    public HashSet<string> Nodes { get; }

    public IReadOnlyList<EnrichedReading> Readings { get; }

    public IReadOnlyList<JobEnergy> Energies { get; }

    public static string Describe(EnrichedReading r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Reading.NodeId} {r.Reading.Timestamp:O} {r.Reading.PowerWatts:R} job={r.JobId} user={r.User} n={r.Statistics.SampleCount} mean={r.Statistics.MeanPowerWatts:R} sd={r.Statistics.StdDevPowerWatts:R} maxT={r.Statistics.MaxCpuTemperatureCelsius:R} [{string.Join(",", r.Anomalies)}]");

    // The job's energy is a sum over its nodes' shares, in whatever order they arrive: compared to 1e-9.
    public static string Describe(JobEnergy e) => string.Create(CultureInfo.InvariantCulture,
        $"{e.JobId} {e.User} {e.Account} {e.FinalState} {e.StartTime:O} {e.EndTime:O} nodes={e.NodeCount} readings={e.ReadingCount} kWh={e.EnergyKilowattHours:G9} mean={e.MeanJobPowerWatts:G9} peak={e.PeakJobPowerWatts:R} node mean={e.MeanNodePowerWatts:G9} node peak={e.PeakNodePowerWatts:R}");

    /// <summary>The energy from the simulated readings alone (trapezoids of one second between the run's readings on each node, the last held), as the domain tests compute it.</summary>
    public double IndependentKilowattHours(JobEnergy energy)
    {
        var power = Ticks.SelectMany(t => t.Readings).ToDictionary(r => (r.NodeId, r.Timestamp), r => r.PowerWatts);
        var nodes = Ticks.SelectMany(t => t.JobEvents).First(e => e.JobId == energy.JobId && e.State == JobState.Started).Nodes;
        var joules = 0.0;
        for (var t = energy.StartTime; t < energy.EndTime; t = t.AddSeconds(1))
        {
            // The reading at the end tick is already the next job's (or idle): the last second holds the job's last one.
            var next = t.AddSeconds(1) < energy.EndTime ? t.AddSeconds(1) : t;
            joules += nodes.Sum(node => (power[(node, t)] + power[(node, next)]) / 2);
        }

        return joules / JobEnergyAssembler.JoulesPerKilowattHour;
    }
}

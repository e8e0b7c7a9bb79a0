using HpcAspire.Tests.Support;
using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;
using HpcAspire.Domain.Simulation;
using HpcAspire.Processor;

namespace HpcAspire.Tests.Processor;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class SnapshotRoundTripTests
{
    private static readonly ClusterOptions Cluster = new()
    {
        NodeCount = 12, Seed = 7, StartTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), AnomalyRate = 0.005,
        MeanJobInterarrival = TimeSpan.FromSeconds(8), MaxJobRuntime = TimeSpan.FromMinutes(2),
    };

    [Theory]
    [InlineData(137, 0)]
    [InlineData(301, 60)]
    [InlineData(450, 200)]
    public void A_join_restored_from_json_snapshots_mid_stream_with_job_events_replayed_goes_on_as_if_never_stopped(int splitTick, int replayedTicks)
    {
        var expected = new ExpectedResults(Cluster, 600);
        var first = new NodeTelemetryJoin(3, expected.Nodes);
        var readings = new List<EnrichedReading>();
        var energies = new List<JobEnergy>();
        var assembler = new JobEnergyAssembler();
        foreach (var tick in expected.Ticks.Take(splitTick))
        {
            ExpectedResults.Feed(first, tick, assembler, readings, energies);
        }

        // Readings of the next tick arrive before its job events: some wait in the snapshot.
        foreach (var reading in expected.Ticks[splitTick].Readings)
        {
            Assert.Null(first.AddReading(reading));
        }

        var snapshots = expected.Nodes.GroupBy(node => node.GetHashCode() % 6).Select(group => SnapshotCodec.Deserialize(SnapshotCodec.Serialize(
            new PartitionSnapshot("node-readings", 0, 1, new Dictionary<int, long>(), new Dictionary<int, DateTime>(first.Clocks),
                [.. group.Select(first.ExportNode)], null, null)))!).ToList();
        var partsSnapshot = SnapshotCodec.Deserialize(SnapshotCodec.Serialize(new PartitionSnapshot("job-energy-parts", 0, 1,
            new Dictionary<int, long>(), new Dictionary<int, DateTime>(), null, assembler.PendingParts, null)))!;

        var second = new NodeTelemetryJoin(3, expected.Nodes);
        var restoredAssembler = new JobEnergyAssembler();
        foreach (var snapshot in snapshots)
        {
            foreach (var (partition, time) in snapshot.Clocks)
            {
                second.AddClock(partition, time);
            }

            foreach (var node in snapshot.Nodes!)
            {
                second.ImportNode(node);
            }
        }

        foreach (var part in partsSnapshot.PendingParts!)
        {
            Assert.Null(restoredAssembler.Add(part));
        }

        // A restore seeks the job events back to the oldest snapshot's position: those applied already come again.
        foreach (var tick in expected.Ticks.Skip(splitTick - replayedTicks).Take(replayedTicks))
        {
            foreach (var jobEvent in tick.JobEvents)
            {
                second.AddJobEvent(jobEvent);
            }
        }

        var tickAfter = expected.Ticks[splitTick];
        foreach (var jobEvent in tickAfter.JobEvents)
        {
            Assert.Null(second.AddJobEvent(jobEvent));
        }

        for (var partition = 0; partition < 3; partition++)
        {
            second.AddClock(partition, tickAfter.Time);
        }

        ExpectedResults.Collect(second.Drain(), restoredAssembler, readings, energies);
        foreach (var tick in expected.Ticks.Skip(splitTick + 1))
        {
            ExpectedResults.Feed(second, tick, restoredAssembler, readings, energies);
        }

        Assert.Equal(expected.Readings.Select(ExpectedResults.Describe), readings.Select(ExpectedResults.Describe));
        Assert.Equal(expected.Energies.Select(ExpectedResults.Describe), energies.Select(ExpectedResults.Describe));
        Assert.True(energies.Count >= 10);
    }
}

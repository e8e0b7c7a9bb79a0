using System.Diagnostics.Metrics;
using Confluent.SchemaRegistry;
using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;
using HpcAspire.Framing;
using HpcAspire.Messaging;
using HpcAspire.Processor;
using HpcAspire.Processor.Core;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HpcAspire.Tests.Processor;

/// <summary>
/// The processor's one core, driven as both runners drive it but with no broker: messages in, the outbox out. What the
/// Kafka and RabbitMQ applications do to a reading is what these tests see.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class ProcessorCoreTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);
    private static readonly string Node = ClusterOptions.NodeName(0);
    private static readonly string OtherNode = ClusterOptions.NodeName(1);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ISchemaRegistryClient _registry = InMemorySchemaRegistry.Create();

    public void Dispose() => _services.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Readings_wait_for_the_schedulers_clock_then_come_out_enriched_with_the_job_their_node_ran(bool batches)
    {
        var core = Core(batches);
        await core.JobEventsAsync("job-events", Frame(JobEvent("job-1", JobState.Started, T0, Node)));
        foreach (var second in new[] { 1, 2, 3 })
        {
            await core.ReadingsAsync(0, "readings", Frame(Reading(Node, T0.AddSeconds(second))), default);
        }

        core.Drain();
        Assert.Empty(core.Outbox.EnrichedReadings); // no clock yet: a job event for these times may still come

        core.AddClock(0, T0.AddSeconds(2));
        core.Drain();
        Assert.Equal([T0.AddSeconds(1), T0.AddSeconds(2)], core.Outbox.EnrichedReadings.Select(e => e.Reading.Reading.Timestamp));
        Assert.All(core.Outbox.EnrichedReadings, e => Assert.Equal("job-1", e.Reading.JobId));
        Assert.Empty(core.Outbox.Rejections);
    }

    [Fact]
    public async Task A_batch_and_the_same_records_one_by_one_give_the_same_outputs()
    {
        var single = Core(batches: false);
        var batched = Core(batches: true);
        var readings = Enumerable.Range(1, 20).Select(s => Reading(s % 2 == 0 ? Node : OtherNode, T0.AddSeconds(s))).ToList();
        foreach (var core in new[] { single, batched })
        {
            await core.JobEventsAsync("job-events", Frame(JobEvent("job-1", JobState.Started, T0, Node, OtherNode)));
            core.AddClock(0, T0.AddSeconds(30));
        }

        foreach (var reading in readings)
        {
            await single.ReadingsAsync(0, "readings", Frame(reading), default);
        }

        await batched.ReadingsAsync(0, "readings", await FrameBatch(readings), default);
        Assert.Equal(20, batched.ReadyReadings);
        single.Drain();
        batched.Drain();

        Assert.Equal(20, single.Outbox.EnrichedReadings.Count);
        Assert.Equal(single.Outbox.EnrichedReadings.Select(Row), batched.Outbox.EnrichedReadings.Select(Row));
    }

    [Fact]
    public async Task What_cannot_be_processed_is_rejected_with_one_reason_each_and_the_record_of_its_batch()
    {
        var core = Core(batches: true);
        await core.ReadingsAsync(0, "readings", [1, 2, 3], default);
        await core.JobEventsAsync("job-events", Frame(JobEvent("job-9", JobState.Completed, T0, Node)));
        await core.ReadingsAsync(0, "readings",
            await FrameBatch([Reading(Node, T0.AddSeconds(1)), Reading("node-999", T0.AddSeconds(1)), Reading(OtherNode, T0.AddSeconds(1))]), default,
            misplaced: r => r.NodeId == OtherNode ? $"{r.NodeId} is another shard's" : null);

        Assert.Equal(
            [
                (DeadLetterReason.NotConfluentFramed, (int?)null),
                (DeadLetterReason.InvalidJobEvent, null),
                (DeadLetterReason.InvalidReading, 1),
                (DeadLetterReason.WrongShard, 2),
            ],
            core.Outbox.Rejections.Select(r => (r.Reason, r.Record)));
        Assert.Contains("never started", core.Outbox.Rejections[1].Error);
        Assert.Contains("node-999", core.Outbox.Rejections[2].Error);
        Assert.Contains("another shard's", core.Outbox.Rejections[3].Error);
    }

    [Fact]
    public async Task A_finished_runs_shares_come_out_and_the_jobs_owner_adds_them_up_to_its_energy_once()
    {
        var core = Core(batches: false);
        await core.JobEventsAsync("job-events", Frame(JobEvent("job-1", JobState.Started, T0, Node, OtherNode)));
        await core.JobEventsAsync("job-events", Frame(JobEvent("job-1", JobState.Completed, T0.AddSeconds(4), Node, OtherNode)));
        for (var second = 0; second <= 5; second++)
        {
            await core.ReadingsAsync(0, "readings", Frame(Reading(Node, T0.AddSeconds(second))), default);
            await core.ReadingsAsync(1, "readings", Frame(Reading(OtherNode, T0.AddSeconds(second))), default);
        }

        core.AddClock(0, T0.AddSeconds(10));
        core.Drain();
        var shares = core.Outbox.EnergyShares.ToList();
        Assert.Equal([Node, OtherNode], shares.Select(s => s.NodeId).Order());
        Assert.Empty(core.Outbox.JobEnergies);

        core.AssignShares(7, []);
        foreach (var share in shares)
        {
            await core.EnergySharesAsync(7, "energy-parts", Frame(share), default);
        }

        var energy = Assert.Single(core.Outbox.JobEnergies).Energy;
        Assert.Equal("job-1", energy.JobId);
        Assert.Equal(shares.Sum(s => s.Joules) / 3_600_000, energy.EnergyKilowattHours, 9);
        Assert.Empty(core.PendingShares(7));
    }

    [Fact]
    public async Task State_exported_per_input_and_imported_into_a_new_core_goes_on_as_if_never_moved()
    {
        var readings = Enumerable.Range(1, 40).Select(s => Reading(Node, T0.AddSeconds(s))).ToList();
        var whole = Core(batches: false);
        await whole.JobEventsAsync("job-events", Frame(JobEvent("job-1", JobState.Started, T0, Node)));
        foreach (var reading in readings)
        {
            await whole.ReadingsAsync(3, "readings", Frame(reading), default);
        }

        whole.AddClock(0, T0.AddSeconds(60));
        whole.Drain();

        var before = Core(batches: false);
        await before.JobEventsAsync("job-events", Frame(JobEvent("job-1", JobState.Started, T0, Node)));
        foreach (var reading in readings.Take(25))
        {
            await before.ReadingsAsync(3, "readings", Frame(reading), default);
        }

        before.AddClock(0, T0.AddSeconds(20));
        before.Drain();
        Assert.Equal([3], before.ChangedReadingInputs);
        var exported = before.ExportNodes([3]);
        var after = Core(batches: false);
        after.ImportNodes(3, exported[3]);
        after.AddClock(0, T0.AddSeconds(20));
        foreach (var reading in readings.Skip(25))
        {
            await after.ReadingsAsync(3, "readings", Frame(reading), default);
        }

        after.AddClock(0, T0.AddSeconds(60));
        after.Drain();

        Assert.Equal(whole.Outbox.EnrichedReadings.Select(Row), before.Outbox.EnrichedReadings.Concat(after.Outbox.EnrichedReadings).Select(Row));
        after.RevokeReadings(3);
        Assert.Empty(after.ExportNodes([3])[3]);
    }

    private ProcessorCore Core(bool batches)
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        var nodes = new HashSet<string>([Node, OtherNode], StringComparer.Ordinal);
        return new ProcessorCore(new ProcessorOptions(), nodes, clocks: 1, batches, _registry, new ProcessorMetrics(meters), new PipelineStages(meters));
    }

    private static string Row(EnrichedOutput output) =>
        $"{output.Reading.Reading.NodeId} {output.Reading.Reading.Timestamp:O} {output.Reading.JobId} {output.Reading.Statistics.SampleCount} " +
        $"{output.Reading.Statistics.MeanPowerWatts:R} {string.Join("+", output.Reading.Anomalies)}";

    private byte[] Frame<T>(T record) where T : class, Avro.Specific.ISpecificRecord, new() =>
        new AvroRecordWriter<T>(_registry).Write(record, typeof(T).Name);

    private Task<byte[]> FrameBatch(IReadOnlyList<NodeReading> readings) =>
        new AvroBatchWriter<NodeReading>(_registry).WriteAsync(readings, "reading-batches");

    private static NodeReading Reading(string node, DateTime at) => new()
    {
        NodeId = node, Timestamp = at, CpuTemperatureCelsius = 55, GpuTemperatureCelsius = 50, PowerWatts = 400 + at.Second,
        CpuUtilization = 0.5, GpuUtilization = 0.25,
    };

    private static JobEvent JobEvent(string job, JobState state, DateTime at, params string[] nodes) => new()
    {
        JobId = job, Timestamp = at, State = state, User = "ada", Account = "physics", Nodes = nodes,
    };
}

using Confluent.Kafka;
using Confluent.Kafka.SyncOverAsync;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Embedded;

[Trait(TestKinds.Trait, TestKinds.EndToEnd)]
public class GeneratorTests
{
    private static readonly ClusterOptions Cluster = new()
    {
        NodeCount = 8, Seed = 11, StartTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), AnomalyRate = 0.01,
    };

    private const int Ticks = 600;

    [Fact]
    public async Task The_generators_send_exactly_the_simulated_readings_and_jobs_as_Avro_through_the_registry()
    {
        await using var app = await AppHostFactory.StartEmbeddedAsync(["kafka", "schema-registry-service"],
            $"Cluster:NodeCount={Cluster.NodeCount}", $"Cluster:Seed={Cluster.Seed}", $"Cluster:StartTime={Cluster.StartTime:O}",
            $"Cluster:AnomalyRate={Cluster.AnomalyRate}", "Generator:TicksPerSecond=0", $"Generator:MaxTicks={Ticks}",
            // The readings are read from the topic's start after the processor has read them: keep them.
            "Kafka:KeepReadRecords=true");

        var simulation = new ClusterSimulation(Cluster);
        var expected = Enumerable.Range(0, Ticks).Select(_ => simulation.Next()).ToList();
        var expectedReadings = expected.SelectMany(t => t.Readings).ToList();
        var expectedEvents = expected.SelectMany(t => t.JobEvents).ToList();

        // Both runs are bounded: read once they have finished, however long two busy cores took to start them
        // (seen at 51 s), so the reads below wait for what is in the topics and not for a start.
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        foreach (var generator in new[] { "node-reading-generator", "job-event-generator" })
        {
            await notifications.WaitForResourceAsync(generator, KnownResourceStates.Finished).WaitAsync(TimeSpan.FromMinutes(4));
        }

        var bootstrap = (await app.GetConnectionStringAsync("kafka"))!;
        var registryUrl = (await app.GetConnectionStringAsync("schema-registry"))!;
        var readings = await ConsumeAsync<NodeReading>(bootstrap, registryUrl, "node-readings", expectedReadings.Count);
        var events = await ConsumeAsync<JobEvent>(bootstrap, registryUrl, "job-events", expectedEvents.Count);
        if (readings.Count != expectedReadings.Count || events.Count != expectedEvents.Count)
        {
            Assert.Fail($"{readings.Count} of {expectedReadings.Count} readings, {events.Count} of {expectedEvents.Count} job events arrived.\n" +
                        $"{await ResourceLogs.ReadAsync(app, "node-reading-generator")}\n{await ResourceLogs.ReadAsync(app, "job-event-generator")}");
        }

        // Per key (node, job) Kafka keeps order; across partitions it does not.
        Assert.Equal(Describe(expectedReadings, r => r.NodeId, Describe), Describe(readings, r => r.NodeId, Describe));
        Assert.Equal(Describe(expectedEvents, e => e.JobId, Describe), Describe(events, e => e.JobId, Describe));
        Assert.Contains(events, e => e.State == JobState.Completed);

        // The scheduler clock: in each partition, every job event comes before the clock of its tick.
        var lastTick = expected[^1].Time;
        var partitions = await ReadJobEventPartitionsAsync(bootstrap, registryUrl, expectedEvents.Count + 3 * Ticks);
        Assert.Equal(3, partitions.Count);
        foreach (var (partition, records) in partitions)
        {
            var clock = DateTime.MinValue;
            foreach (var (jobEvent, clockTime) in records)
            {
                if (clockTime is { } time)
                {
                    Assert.True(time >= clock, $"partition {partition}: clock went back from {clock:O} to {time:O}");
                    clock = time;
                }
                else
                {
                    Assert.True(jobEvent!.Timestamp > clock, $"partition {partition}: {jobEvent.JobId} at {jobEvent.Timestamp:O} after clock {clock:O}");
                }
            }

            Assert.Equal(lastTick, clock);
        }

    }

    private static async Task<List<T>> ConsumeAsync<T>(string bootstrap, string registryUrl, string topic, int count)
    {
        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registryUrl });
        return await Task.Run(() =>
        {
            using var consumer = new ConsumerBuilder<string, T>(new ConsumerConfig
            {
                BootstrapServers = bootstrap, GroupId = $"verify-{Guid.NewGuid():N}", AutoOffsetReset = AutoOffsetReset.Earliest,
            }).SetValueDeserializer(new AvroDeserializer<T>(registry).AsSyncOverAsync()).SetLogHandler((_, _) => { }).Build();
            consumer.Subscribe(topic);
            var received = new List<T>();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (received.Count < count && DateTime.UtcNow < deadline)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message.Value: { } value })
                {
                    received.Add(value);
                }
            }

            consumer.Close();
            return received;
        });
    }

    private static async Task<Dictionary<int, List<(JobEvent? Event, DateTime? Clock)>>> ReadJobEventPartitionsAsync(string bootstrap, string registryUrl, int count)
    {
        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registryUrl });
        return await Task.Run(() =>
        {
            using var consumer = new ConsumerBuilder<string?, JobEvent?>(new ConsumerConfig
            {
                BootstrapServers = bootstrap, GroupId = $"verify-{Guid.NewGuid():N}", AutoOffsetReset = AutoOffsetReset.Earliest,
            }).SetValueDeserializer(new AvroDeserializer<JobEvent?>(registry).AsSyncOverAsync()).SetLogHandler((_, _) => { }).Build();
            consumer.Subscribe("job-events");
            var partitions = new Dictionary<int, List<(JobEvent?, DateTime?)>>();
            var received = 0;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (received < count && DateTime.UtcNow < deadline)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
                {
                    var records = partitions.TryGetValue(result.Partition.Value, out var list) ? list : partitions[result.Partition.Value] = [];
                    records.Add((result.Message.Value, HpcAspire.Messaging.Kafka.SchedulerClock.Read(result.Message.Headers)));
                    received++;
                }
            }

            consumer.Close();
            Assert.Equal(count, received);
            return partitions;
        });
    }

    private static Dictionary<string, string> Describe<T>(IEnumerable<T> messages, Func<T, string> key, Func<T, string> describe) =>
        messages.GroupBy(key).ToDictionary(g => g.Key, g => string.Join("\n", g.Select(describe)));

    private static string Describe(NodeReading r) =>
        $"{r.Timestamp:O} {r.PowerWatts} {r.CpuTemperatureCelsius} {r.GpuTemperatureCelsius} {r.CpuUtilization} {r.GpuUtilization}";

    private static string Describe(JobEvent e) =>
        $"{e.Timestamp:O} {e.State} {e.User} {e.Account} {string.Join(",", e.Nodes)} {e.ExitCode} {e.Reason} {e.Requested.Nodes} {string.Join(",", e.Tags)}";
}

using System.Collections.Concurrent;
using Confluent.Kafka;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Embedded;

[Collection(EmbeddedAppHostCollection.Name)]
[Trait(TestKinds.Trait, TestKinds.EndToEnd)]
public class EmbeddedKafkaTests(EmbeddedAppHostFixture fixture)
{
    private const string Topic = "node-readings";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_consumer_group_reads_every_message_produced_through_the_three_broker_cluster()
    {
        var bootstrapServers = await fixture.App.GetConnectionStringAsync("kafka");
        Assert.Equal(3, bootstrapServers!.Split(',').Length);

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build())
        {
            var metadata = admin.GetMetadata(Topic, TimeSpan.FromSeconds(10));
            Assert.Equal(3, metadata.Brokers.Count);
            var partitions = metadata.Topics.Single().Partitions;
            Assert.Equal(6, partitions.Count);
            Assert.Equal([1, 2, 3], partitions.Select(p => p.Leader).Distinct().Order());
        }

        var runId = Guid.NewGuid().ToString("N");
        const int count = 20_000;
        var acked = await ProduceAsync(bootstrapServers, runId, count);
        Assert.Equal(count, acked.Count);

        var consumed = await ConsumeAsync(bootstrapServers, runId, stopWhen: seen => seen.Count >= count);
        Assert.Equal(acked.Order(), consumed.Keys.Order());
        Assert.All(consumed, pair => Assert.Equal(1, pair.Value));
    }

    [Fact]
    public async Task Produce_and_consume_go_on_while_broker_2_is_stopped_and_nothing_acknowledged_is_lost()
    {
        var bootstrapServers = (await fixture.App.GetConnectionStringAsync("kafka"))!;
        var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();
        var runId = Guid.NewGuid().ToString("N");
        var acked = new ConcurrentDictionary<int, bool>();
        var failures = new ConcurrentQueue<string>();
        var consumed = new ConcurrentDictionary<int, int>();
        using var stop = new CancellationTokenSource();

        var producing = Task.Run(() => ProduceUntil(bootstrapServers, runId, acked, failures, stop.Token));
        var consuming = Task.Run(() => ConsumeUntil(bootstrapServers, runId, consumed, stop.Token));
        await WaitUntil(() => acked.Count > 2_000 && consumed.Count > 1_000, "traffic before the stop");

        var stopped = await commands.ExecuteCommandAsync("kafka-2", "stop-broker");
        Assert.True(stopped.Success, stopped.Message);
        await fixture.App.Services.GetRequiredService<ResourceNotificationService>()
            .WaitForResourceAsync("kafka-2", "Stopped").WaitAsync(TimeSpan.FromSeconds(10));
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build())
        {
            var leaders = admin.GetMetadata(Topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => p.Leader);
            Assert.DoesNotContain(2, leaders);
        }

        var (ackedAtStop, consumedAtStop) = (acked.Count, consumed.Count);
        await WaitUntil(() => acked.Count > ackedAtStop + 5_000 && consumed.Count > consumedAtStop + 5_000, "traffic while broker 2 is stopped");

        var started = await commands.ExecuteCommandAsync("kafka-2", "start-broker");
        Assert.True(started.Success, started.Message);
        var ackedAtStart = acked.Count;
        await WaitUntil(() => acked.Count > ackedAtStart + 2_000, "traffic after broker 2 is back");

        await stop.CancelAsync();
        await producing;
        await consuming;

        Assert.Empty(failures);
        // Counts first: checking every acknowledged id after every message would be quadratic.
        var all = await ConsumeAsync(bootstrapServers, runId, stopWhen: seen => seen.Count >= acked.Count && acked.Keys.All(seen.ContainsKey));
        var lost = acked.Keys.Where(id => !all.ContainsKey(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged messages were not consumed, e.g. {string.Join(",", lost.Take(5))}");
    }

    private static async Task<List<int>> ProduceAsync(string bootstrapServers, string runId, int count)
    {
        using var producer = CreateProducer(bootstrapServers);
        var acked = new ConcurrentBag<int>();
        for (var id = 0; id < count; id++)
        {
            var sequence = id;
            producer.Produce(Topic, new Message<string, string> { Key = $"node-{id % 64}", Value = $"{runId}:{id}" }, report =>
            {
                if (report.Error.Code == ErrorCode.NoError)
                {
                    acked.Add(sequence);
                }
            });
        }

        await Task.Run(() => producer.Flush(Deadline));
        return [.. acked];
    }

    private static void ProduceUntil(string bootstrapServers, string runId, ConcurrentDictionary<int, bool> acked, ConcurrentQueue<string> failures, CancellationToken stop)
    {
        using var producer = CreateProducer(bootstrapServers);
        for (var id = 0; !stop.IsCancellationRequested; id++)
        {
            var sequence = id;
            producer.Produce(Topic, new Message<string, string> { Key = $"node-{id % 64}", Value = $"{runId}:{id}" }, report =>
            {
                if (report.Error.Code == ErrorCode.NoError)
                {
                    acked[sequence] = true;
                }
                else
                {
                    failures.Enqueue($"{sequence}: {report.Error.Reason}");
                }
            });

            if (id % 50 == 0)
            {
                // About 5,000 messages/s: a steady stream, not a flood that would pass the embedded
                // cluster's 5 MiB-per-partition retention before the verifying consumer reads it.
                Thread.Sleep(10);
            }
        }

        producer.Flush(Deadline);
    }

    private static void ConsumeUntil(string bootstrapServers, string runId, ConcurrentDictionary<int, int> consumed, CancellationToken stop)
    {
        using var consumer = CreateConsumer(bootstrapServers);
        consumer.Subscribe(Topic);
        while (!stop.IsCancellationRequested)
        {
            Record(consumer.Consume(TimeSpan.FromMilliseconds(200)), runId, consumed);
        }

        consumer.Close();
    }

    private static async Task<ConcurrentDictionary<int, int>> ConsumeAsync(string bootstrapServers, string runId, Func<ConcurrentDictionary<int, int>, bool> stopWhen)
    {
        var consumed = new ConcurrentDictionary<int, int>();
        await Task.Run(() =>
        {
            // A fresh group reads the topic from the start.
            using var consumer = CreateConsumer(bootstrapServers, groupId: $"verify-{runId}");
            consumer.Subscribe(Topic);
            var deadline = DateTime.UtcNow + Deadline;
            while (!stopWhen(consumed) && DateTime.UtcNow < deadline)
            {
                Record(consumer.Consume(TimeSpan.FromMilliseconds(200)), runId, consumed);
            }

            consumer.Close();
        });
        return consumed;
    }

    private static void Record(ConsumeResult<string, string>? result, string runId, ConcurrentDictionary<int, int> consumed)
    {
        if (result?.Message?.Value is { } value && value.StartsWith(runId, StringComparison.Ordinal))
        {
            consumed.AddOrUpdate(int.Parse(value.AsSpan(runId.Length + 1)), 1, (_, n) => n + 1);
        }
    }

    private static IProducer<string, string> CreateProducer(string bootstrapServers) =>
        new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            MessageTimeoutMs = 60_000,
        }).SetLogHandler((_, _) => { }).Build();

    private static IConsumer<string, string> CreateConsumer(string bootstrapServers, string groupId = EmbeddedAppHostFixture.TestGroup) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
        }).SetLogHandler((_, _) => { }).Build();

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }
}

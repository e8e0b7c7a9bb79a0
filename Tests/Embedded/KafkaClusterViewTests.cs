using Confluent.Kafka;
using HpcAspire.AppHost.Infrastructure;
using HpcAspire.AppHost.Infrastructure.Kafka.Embedded;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace HpcAspire.Tests.Embedded;

/// <summary>
/// The cluster view the dashboard shows in embedded mode, read from a real (mock) cluster run by the same controller the
/// dashboard's Stop broker command uses.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class KafkaClusterViewTests : IDisposable
{
    private static readonly KafkaSettings Settings = new()
    {
        Brokers = 3, ReplicationFactor = 3, MinInsyncReplicas = 2,
        Topics = new Dictionary<string, int> { ["node-readings"] = 6, ["enriched-readings"] = 3 },
        ConsumerGroups = ["sink", "processor"],
    };

    private readonly EmbeddedKafkaController _controller = new(Settings, NullLogger.Instance);

    [Fact]
    public async Task It_shows_each_partitions_leader_and_replicas_the_end_offsets_and_a_groups_lag()
    {
        var servers = _controller.Start();
        Produce(servers, "node-readings", 120);
        Produce(servers, "enriched-readings", 30);
        CommitAfterReading(servers, "sink", "enriched-readings", 20);
        using var reader = new KafkaClusterViewReader(servers, [.. Settings.Topics.Keys], Settings.ConsumerGroups);

        var view = await reader.ReadAsync(CancellationToken.None);

        var readings = view.Topics["node-readings"];
        Assert.Equal([0, 1, 2, 3, 4, 5], readings.Select(p => p.Partition));
        Assert.Equal([1, 2, 3], readings.Select(p => p.Leader).Distinct().Order());
        Assert.All(readings, p => Assert.Equal(3, p.Replicas.Length));
        Assert.Equal(120, readings.Sum(p => p.EndOffset));
        Assert.Equal(30, view.Topics["enriched-readings"].Sum(p => p.EndOffset));

        var sink = view.Groups.Single(g => g.Group == "sink");
        Assert.Equal(10, sink.LagByTopic["enriched-readings"]);
        Assert.Null(view.Groups.Single(g => g.Group == "processor").TotalLag);

        var properties = view.AsProperties().ToDictionary(p => p.Name, p => (string)p.Value!);
        Assert.StartsWith("leaders 1,2,3,1,2,3 · in sync 3/3,3/3,3/3,3/3,3/3,3/3 · end offsets 120", properties["Topic node-readings"]);
        Assert.Equal("10 (enriched-readings 10)", properties["Group sink lag"]);
        Assert.Equal("no committed offsets", properties["Group processor lag"]);
    }

    [Fact]
    public async Task A_stopped_broker_leads_nothing_in_the_view_and_leads_again_once_started()
    {
        var servers = _controller.Start();
        using var reader = new KafkaClusterViewReader(servers, [.. Settings.Topics.Keys], Settings.ConsumerGroups);
        Assert.Equal(3, (await reader.ReadAsync(CancellationToken.None)).LeaderCount(2));

        _controller.StopBroker(2);
        var stopped = await ReadSoonAsync(reader);
        Assert.Equal(0, stopped.LeaderCount(2));
        Assert.Equal(9, stopped.LeaderCount(1) + stopped.LeaderCount(3));

        _controller.StartBroker(2);
        Assert.True((await ReadSoonAsync(reader)).LeaderCount(2) > 0);
    }

    /// <summary>
    /// Reads the view the way the dashboard does, a round every 2 s: a round that asks a broker which just stopped
    /// times out, and the next one, with fresh metadata, answers.
    /// </summary>
    private static async Task<ClusterView> ReadSoonAsync(KafkaClusterViewReader reader)
    {
        var failures = new List<string>();
        for (var round = 0; round < 10; round++)
        {
            try
            {
                return await reader.ReadAsync(CancellationToken.None);
            }
            catch (KafkaException ex)
            {
                failures.Add(ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }

        throw new Xunit.Sdk.XunitException($"The view was not read in 10 rounds: {string.Join("; ", failures)}");
    }

    public void Dispose() => _controller.Dispose();

    private static void Produce(string servers, string topic, int count)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = servers, Acks = Acks.All })
            .SetLogHandler((_, _) => { }).Build();
        for (var i = 0; i < count; i++)
        {
            producer.Produce(topic, new Message<string, string> { Key = $"node-{i % 16:D3}", Value = i.ToString() });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Reads <paramref name="count"/> messages as a group and commits their offsets, leaving the rest as lag.</summary>
    private static void CommitAfterReading(string servers, string group, string topic, int count)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = servers, GroupId = group, AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false, EnableAutoOffsetStore = false,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var read = 0;
        while (read < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                consumer.StoreOffset(result);
                read++;
            }
        }

        Assert.Equal(count, read);
        consumer.Commit();
        consumer.Close();
    }
}

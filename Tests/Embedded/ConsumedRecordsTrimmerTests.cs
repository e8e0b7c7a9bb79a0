using Confluent.Kafka;
using HpcAspire.AppHost.Infrastructure;
using HpcAspire.AppHost.Infrastructure.Kafka.Embedded;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace HpcAspire.Tests.Embedded;

/// <summary>Which partitions the embedded cluster may trim, from the groups' committed offsets alone.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class ConsumedRecordsTrimPlanTests
{
    private static readonly Dictionary<string, IReadOnlyList<string>> Readers = new()
    {
        ["node-readings"] = ["processor"],
        ["enriched-readings"] = ["sink", "audit"],
    };

    private static TopicPartition Tp(string topic, int partition) => new(topic, partition);

    [Fact]
    public void A_partition_is_trimmed_to_the_lowest_offset_its_groups_have_all_committed()
    {
        var committed = new Dictionary<string, IReadOnlyDictionary<TopicPartition, long>>
        {
            ["processor"] = new Dictionary<TopicPartition, long> { [Tp("node-readings", 0)] = 500, [Tp("node-readings", 1)] = 20 },
            ["sink"] = new Dictionary<TopicPartition, long> { [Tp("enriched-readings", 0)] = 300, [Tp("enriched-readings", 1)] = 90 },
            ["audit"] = new Dictionary<TopicPartition, long> { [Tp("enriched-readings", 0)] = 120 },
        };

        var plan = ConsumedRecordsTrimmer.Plan(Readers, committed, new Dictionary<TopicPartition, long>());

        // enriched-readings 1: "audit" has not committed there, so it is not trimmed at all.
        Assert.Equal(
            ["node-readings [[0]] @500", "node-readings [[1]] @20", "enriched-readings [[0]] @120"],
            plan.Select(p => p.ToString()));
    }

    [Fact]
    public void Only_a_commit_past_the_last_trim_trims_again_and_a_group_missing_this_round_holds_its_topics_back()
    {
        var trimmedTo = new Dictionary<TopicPartition, long> { [Tp("node-readings", 0)] = 500, [Tp("node-readings", 1)] = 10 };
        var committed = new Dictionary<string, IReadOnlyDictionary<TopicPartition, long>>
        {
            ["processor"] = new Dictionary<TopicPartition, long> { [Tp("node-readings", 0)] = 500, [Tp("node-readings", 1)] = 20 },
            ["sink"] = new Dictionary<TopicPartition, long> { [Tp("enriched-readings", 0)] = 300 },
            // "audit" could not be read this round.
        };

        var plan = ConsumedRecordsTrimmer.Plan(Readers, committed, trimmedTo);

        Assert.Equal(["node-readings [[1]] @20"], plan.Select(p => p.ToString()));
    }
}

/// <summary>The trimmer against the mock cluster: records a group has committed past go, the rest stay readable.</summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class ConsumedRecordsTrimmerTests : IDisposable
{
    private static readonly KafkaSettings Settings = new()
    {
        Brokers = 3, ReplicationFactor = 3, MinInsyncReplicas = 2,
        Topics = new Dictionary<string, int> { ["enriched-readings"] = 2, ["job-events"] = 1 },
        ConsumerGroups = ["sink"],
        TrimConsumed = new Dictionary<string, IReadOnlyList<string>> { ["enriched-readings"] = ["sink"] },
    };

    private readonly EmbeddedKafkaController _controller = new(Settings, NullLogger.Instance);

    [Fact]
    public void Records_below_the_groups_commit_are_deleted_and_a_reader_from_the_start_gets_the_rest()
    {
        var servers = _controller.Start();
        Produce(servers, "enriched-readings", partition: 0, count: 100);
        Produce(servers, "enriched-readings", partition: 1, count: 40);
        Produce(servers, "job-events", partition: 0, count: 30);
        using var trimmer = new ConsumedRecordsTrimmer(servers, Settings);

        Assert.Empty(trimmer.TrimOnce(_controller.DeleteRecords)); // nothing committed yet: nothing goes
        Commit(servers, "sink", new TopicPartitionOffset("enriched-readings", 0, 70));
        var trimmed = trimmer.TrimOnce(_controller.DeleteRecords);

        Assert.Equal(["enriched-readings [[0]] @70"], trimmed.Select(t => t.ToString()));
        Assert.Equal(70, trimmer.Deleted["enriched-readings"]);
        Assert.Equal((70, 100), Watermarks(servers, new TopicPartition("enriched-readings", 0)));
        Assert.Equal((0, 40), Watermarks(servers, new TopicPartition("enriched-readings", 1)));
        Assert.Equal((0, 30), Watermarks(servers, new TopicPartition("job-events", 0)));
        Assert.Equal(Enumerable.Range(70, 30).Select(i => i.ToString()), ReadFromStart(servers, new TopicPartition("enriched-readings", 0), 30));
        Assert.Empty(trimmer.TrimOnce(_controller.DeleteRecords)); // the same commit trims nothing more
    }

    public void Dispose() => _controller.Dispose();

    private static void Produce(string servers, string topic, int partition, int count)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = servers, Acks = Acks.All, LingerMs = 0 })
            .SetLogHandler((_, _) => { }).Build();
        for (var i = 0; i < count; i++)
        {
            // One message per batch, as a live trickle would leave them: the trim frees whole batches.
            producer.Produce(new TopicPartition(topic, partition), new Message<string, string> { Key = "node-001", Value = i.ToString() });
            producer.Flush(TimeSpan.FromSeconds(10));
        }
    }

    private static void Commit(string servers, string group, TopicPartitionOffset offset)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = servers, GroupId = group, EnableAutoCommit = false })
            .SetLogHandler((_, _) => { }).Build();
        consumer.Commit([offset]);
    }

    private static (long Low, long High) Watermarks(string servers, TopicPartition partition)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = servers, GroupId = "watermarks" })
            .SetLogHandler((_, _) => { }).Build();
        var w = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
        return (w.Low.Value, w.High.Value);
    }

    private static List<string> ReadFromStart(string servers, TopicPartition partition, int count)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = servers, GroupId = "reader", EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (values.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                values.Add(result.Message.Value);
            }
        }

        return values;
    }
}

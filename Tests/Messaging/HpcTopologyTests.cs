using HpcAspire.Domain.Simulation;
using HpcAspire.Messaging.RabbitMQ;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Messaging;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class HpcTopologyTests
{
    [Fact]
    public void A_nodes_shard_is_a_fixed_function_of_its_name_the_same_in_every_process_and_release()
    {
        // FNV-1a of the name, modulo the shards: computed independently. A change here would move nodes between
        // shards on upgrade, and readings already queued would be read out of order.
        Assert.Equal([3, 2, 1, 0, 3, 2, 1, 0], Enumerable.Range(0, 8).Select(i => HpcTopology.ReadingShard(ClusterOptions.NodeName(i), 4)));
        var topology = new HpcTopology(new RabbitMQTransportSettings { ReadingShards = 4 });
        Assert.Equal("readings.shard-2", topology.ReadingShardKey(HpcTopology.ReadingShard(ClusterOptions.NodeName(1), 4)));
        Assert.Equal(HpcTopology.ReadingShardQueue(2), topology.ReadingShardKey(2)); // each shard's queue is bound by its own name
    }

    [Fact]
    public void A_ticks_readings_go_out_in_batches_per_shard_in_their_order_and_no_larger_than_the_limit()
    {
        var topology = new HpcTopology(new RabbitMQTransportSettings { ReadingShards = 4, RecordsPerMessage = 100 });
        // Three ticks of 1,000 nodes: node names, tick by tick.
        var readings = Enumerable.Range(0, 3).SelectMany(tick => Enumerable.Range(0, 1_000).Select(i => (Node: ClusterOptions.NodeName(i), Tick: tick))).ToList();

        var batches = topology.BatchesByShard(readings, r => r.Node).ToList();

        Assert.All(batches, b => Assert.InRange(b.Batch.Count, 1, 100));
        Assert.All(batches, b => Assert.All(b.Batch, r => Assert.Equal(b.Shard, HpcTopology.ReadingShard(r.Node, 4))));
        Assert.Equal(readings.Count, batches.Sum(b => b.Batch.Count));
        foreach (var shard in Enumerable.Range(0, 4))
        {
            // Concatenated, a shard's batches are its readings in their original order.
            Assert.Equal(readings.Where(r => HpcTopology.ReadingShard(r.Node, 4) == shard), batches.Where(b => b.Shard == shard).SelectMany(b => b.Batch));
        }

        Assert.True(batches.Count <= readings.Count / 100 + 4, $"{batches.Count} batches: only a shard's last may be short");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(7)]
    public void Nodes_spread_evenly_over_the_shards(int shards)
    {
        var counts = Enumerable.Range(0, 2_000).GroupBy(i => HpcTopology.ReadingShard(ClusterOptions.NodeName(i), shards)).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(Enumerable.Range(0, shards), counts.Keys.Order());
        Assert.All(counts.Values, count => Assert.InRange(count, 2_000 / shards * 0.8, 2_000 / shards * 1.2));
    }

    [Theory]
    [InlineData("RecordsPerMessage", 0)]
    [InlineData("BatchPrefetch", 0)]
    [InlineData("ReadingShards", 0)]
    public void A_transport_setting_out_of_range_is_refused_with_its_name_and_value(string name, int value)
    {
        var settings = new RabbitMQTransportSettings();
        typeof(RabbitMQTransportSettings).GetProperty(name)!.SetValue(settings, Convert.ChangeType(value, typeof(RabbitMQTransportSettings).GetProperty(name)!.PropertyType));

        var error = Assert.Throws<InvalidOperationException>(settings.Validate);

        Assert.Contains($"Messaging:RabbitMQ:{name}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"it is {value}", error.Message, StringComparison.Ordinal);
    }
}

using HpcAspire.Domain.Simulation;
using HpcAspire.Messaging.RabbitMQ;

namespace HpcAspire.Tests.Messaging;

public sealed class HpcTopologyTests
{
    [Fact]
    public void A_nodes_shard_is_a_fixed_function_of_its_name_the_same_in_every_process_and_release()
    {
        // FNV-1a of the name, modulo the shards: computed independently. A change here would move nodes between
        // shards on upgrade, and readings already queued would be read out of order.
        Assert.Equal([3, 2, 1, 0, 3, 2, 1, 0], Enumerable.Range(0, 8).Select(i => HpcTopology.ReadingShard(ClusterOptions.NodeName(i), 4)));
        var topology = new HpcTopology(new RabbitMQTransportSettings { ReadingShards = 4 });
        var header = Assert.Single(topology.ReadingHeaders(ClusterOptions.NodeName(1)));
        Assert.Equal((HpcTopology.ShardHeader, "2"), (header.Key, (string)header.Value!));
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
}

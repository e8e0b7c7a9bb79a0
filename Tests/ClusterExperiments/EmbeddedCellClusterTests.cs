using Confluent.Kafka;
using HpcAspire.Benchmarks.ClusterExperiments;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.ClusterExperiments;

/// <summary>A cell's embedded cluster is what the cell asked for, and a stopped broker behaves as its replication allows.</summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public class EmbeddedCellClusterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(5, 24, 3)]
    [InlineData(3, 6, 1)]
    public void The_metadata_shows_the_requested_brokers_partitions_and_replication_with_every_leader_a_replica(int brokers, int partitions, int replication)
    {
        using var cluster = new EmbeddedClusterTarget().Open(new ClusterRequest(brokers, "readings", partitions, replication, 1, ["consumers"]));

        var layout = cluster.ReadLayout(Timeout);

        Assert.Equal(brokers, layout.Brokers);
        Assert.Equal(partitions, layout.Partitions);
        Assert.Equal(replication, layout.MinReplicas);
        Assert.Equal(replication, layout.MaxReplicas);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        Assert.All(admin.GetMetadata(cluster.Topic, Timeout).Topics.Single().Partitions, p => Assert.Contains(p.Leader, p.Replicas));
        Assert.Equal(Math.Min(brokers, partitions), layout.Leaders.Distinct().Count());
    }

    [Fact]
    public void With_replication_3_a_stopped_leader_fails_over_to_another_replica()
    {
        using var cluster = new EmbeddedClusterTarget().Open(new ClusterRequest(3, "readings", 6, 3, 2, ["consumers"]));
        var victim = cluster.ReadLayout(Timeout).Leaders[0];

        cluster.StopBroker(victim);

        Assert.DoesNotContain(victim, cluster.ReadLayout(Timeout).Leaders);
    }

    /// <summary>What docs/part2-kafka-experiments.md says of the mock: it reports the replicas as the ISR, always.</summary>
    [Fact]
    public void The_mock_reports_a_stopped_brokers_replicas_still_in_sync()
    {
        using var cluster = new EmbeddedClusterTarget().Open(new ClusterRequest(3, "readings", 6, 3, 2, ["consumers"]));
        cluster.StopBroker(cluster.ReadLayout(Timeout).Leaders[0]);

        var layout = cluster.ReadLayout(Timeout);

        Assert.Equal(2, layout.Brokers);            // a stopped broker leaves the metadata's broker list…
        Assert.Equal(3, layout.MinInSyncReplicas);  // …but not any partition's ISR, which real Kafka would shrink to 2
    }

    [Fact]
    public void With_replication_1_a_stopped_leaders_partitions_take_no_writes_until_it_starts_again()
    {
        using var cluster = new EmbeddedClusterTarget().Open(new ClusterRequest(3, "readings", 3, 1, 1, ["consumers"]));
        var victim = cluster.ReadLayout(Timeout).Leaders[0];
        var ledger = new DeliveryLedger(2);
        using var producer = new ExperimentProducer(cluster.BootstrapServers, ProducerSettings.Application, cluster.Topic, ledger);
        producer.WarmUp(3, DateTime.UtcNow + Timeout);

        cluster.StopBroker(victim);
        Assert.Equal(victim, cluster.ReadLayout(Timeout).Leaders[0]);   // no other replica to move to
        Assert.True(producer.Send(0, DateTime.UtcNow + Timeout, partition: 0));
        Assert.False(producer.Flush(DateTime.UtcNow + TimeSpan.FromSeconds(3)));
        Assert.Equal(0, ledger.Acknowledged);

        cluster.StartBroker(victim);
        Assert.True(producer.Flush(DateTime.UtcNow + TimeSpan.FromSeconds(30)));
        Assert.Equal(1, ledger.Acknowledged);
    }
}

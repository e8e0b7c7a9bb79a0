using HpcAspire.Benchmarks.ClusterExperiments;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.ClusterExperiments;

/// <summary>The ledger sees loss the cluster really causes: the embedded brokers keep at most 5 MiB a partition.</summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public class RetentionLossTests
{
    [Fact]
    public void Messages_acknowledged_then_dropped_by_retention_before_they_are_read_are_counted_lost_by_id()
    {
        using var cluster = new EmbeddedClusterTarget().Open(new ClusterRequest(1, "readings", 1, 1, 1, ["consumers"]));
        const int messages = 150_000;   // about 11 MB of 60 B messages: more than twice what one partition keeps
        var ledger = new DeliveryLedger(messages);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        using (var producer = new ExperimentProducer(cluster.BootstrapServers, ProducerSettings.Application, cluster.Topic, ledger))
        {
            Assert.Equal(messages, producer.SendAll(0, messages, deadline));
            Assert.True(producer.Flush(deadline));
        }

        Assert.Equal(messages, ledger.Acknowledged);
        using (var group = new ConsumerGroup(cluster.BootstrapServers, cluster.GroupName("consumers"), cluster.Topic, ledger, deadline))
        {
            group.Join();
            var quiet = 0;
            var last = 0;
            while (quiet < 20 && DateTime.UtcNow < deadline)   // until nothing more arrives for 2 s
            {
                Thread.Sleep(100);
                quiet = ledger.ConsumedDistinct == last && last > 0 ? quiet + 1 : 0;
                last = ledger.ConsumedDistinct;
            }
        }

        Assert.InRange(ledger.Lost, messages / 3, messages - 1);
        Assert.Equal(messages, ledger.Lost + ledger.ConsumedDistinct);
    }
}

using System.Diagnostics;
using HpcAspire.Benchmarks.ClusterExperiments;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.ClusterExperiments;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public class DeliveryLedgerTests
{
    [Fact]
    public void Loss_is_counted_from_ids_even_when_duplicates_make_the_counts_match()
    {
        var ledger = new DeliveryLedger(100);
        for (var id = 0; id < 100; id++)
        {
            ledger.RecordSent(id);
            ledger.RecordAcknowledged(id, id % 6);
        }

        // Three messages skipped on purpose, three others received twice: 100 receipts for 100 acknowledged.
        int[] skipped = [3, 50, 97];
        for (var id = 0; id < 100; id++)
        {
            if (!skipped.Contains(id))
            {
                ledger.RecordConsumed(id, offset: id);
            }
        }

        ledger.RecordConsumed(10, offset: 10);    // read again at its offset: a redelivery
        ledger.RecordConsumed(11, offset: 111);   // the same id at another offset: written twice
        ledger.RecordConsumed(12, offset: 12);

        Assert.Equal(100, ledger.Acknowledged);
        Assert.Equal(97, ledger.ConsumedDistinct);
        Assert.Equal(3, ledger.Lost);
        Assert.Equal(2, ledger.Redelivered);
        Assert.Equal(1, ledger.WrittenTwice);
        Assert.False(ledger.AllAcknowledgedConsumed());
    }

    [Fact]
    public void Messages_of_another_id_range_are_foreign_not_this_ledgers()
    {
        var ledger = new DeliveryLedger(10, firstId: 1_000);
        ledger.RecordSent(1_000);
        ledger.RecordAcknowledged(1_000, 0);

        ledger.RecordConsumed(5, offset: 0);      // an earlier phase's message on the same topic
        ledger.RecordConsumed(-1, offset: 1);     // a warm-up message

        Assert.Equal(2, ledger.Foreign);
        Assert.Equal(0, ledger.ConsumedDistinct);
        Assert.Equal(1, ledger.Lost);
        ledger.RecordConsumed(1_000, offset: 2);
        Assert.True(ledger.AllAcknowledgedConsumed());
    }

    [Fact]
    public void Resumption_counts_only_messages_sent_after_the_stop_and_a_partition_that_never_resumed_is_NaN()
    {
        var ledger = new DeliveryLedger(3);
        ledger.RecordSent(0);                      // in flight at the stop
        var stoppedAt = Stopwatch.GetTimestamp();
        Thread.Sleep(50);
        ledger.RecordAcknowledged(0, 0);
        Thread.Sleep(50);
        ledger.RecordSent(1);
        ledger.RecordAcknowledged(1, 0);
        ledger.RecordConsumed(1, offset: 7);
        ledger.RecordSent(2);                      // to partition 1, never acknowledged

        var resume = ledger.ResumeAfter(stoppedAt, [0, 1]);

        Assert.InRange(resume[0].Produce, 0.09, 5);   // message 1, not the in-flight message 0 at 0.05 s
        Assert.InRange(resume[0].Consume, 0.09, 5);
        Assert.True(double.IsNaN(resume[1].Produce));
        Assert.True(double.IsNaN(resume[1].Consume));
    }

    [Fact]
    public void Latency_percentiles_are_nearest_rank()
    {
        var latencies = new LatencyDistribution(Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToList());

        Assert.Equal(50, latencies.Percentile(0.50));
        Assert.Equal(99, latencies.Percentile(0.99));
        Assert.Equal(100, latencies.Max);
        Assert.True(double.IsNaN(new LatencyDistribution([]).Percentile(0.5)));
    }
}

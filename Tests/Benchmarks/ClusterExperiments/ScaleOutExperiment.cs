using System.Diagnostics;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// E1, scale-out: brokers × partitions. The application's producer settings (idempotent, acks=all), replication
/// factor 3 (the broker count when smaller). Each cell produces a backlog as fast as one producer can, then one
/// group member reads it all: produce and consume rates, produce-then-consume, and send-to-acknowledgement latency.
/// </summary>
internal static class ScaleOutExperiment
{
    public const string Name = "e1-scale-out";

    /// <summary>The application's own layout (3 brokers, 6 partitions): repeated to show the run-to-run spread.</summary>
    public static readonly (int Brokers, int Partitions) Headline = (3, 6);

    private static int HeadlineRepeats(int repeats) => repeats <= 1 ? 1 : repeats + 2;

    public static IEnumerable<ExperimentCell> Cells(bool quick, int repeats, int? fixedBrokers)
    {
        int[] brokers = fixedBrokers is { } fixedCount ? [fixedCount] : quick ? [Headline.Brokers] : [1, 3, 5];
        int[] partitions = quick ? [Headline.Partitions] : [1, 6, 24];
        foreach (var b in brokers)
        {
            foreach (var p in partitions)
            {
                // Every cell is repeated (the runs are short, the machine shared); the headline cell more often.
                var repeatsHere = (b, p) == Headline || (fixedBrokers is not null && p == Headline.Partitions) ? HeadlineRepeats(repeats) : Math.Max(1, repeats);
                for (var repeat = 1; repeat <= repeatsHere; repeat++)
                {
                    var (cellBrokers, cellPartitions) = (b, p);
                    yield return new ExperimentCell(Name,
                        [new("brokers", b.ToString()), new("partitions", p.ToString()), new("repeat", repeat.ToString())],
                        (context, row) => Task.Run(() => Measure(context, row, cellBrokers, cellPartitions)));
                }
            }
        }
    }

    /// <summary>Messages per cell, the same for every partition count so the cells compare: the mock keeps at most
    /// 5 MiB a partition, about 65,000 of these, and a backlog beyond that would be dropped before it is read.</summary>
    public static int Messages(bool quick) => quick ? 20_000 : 60_000;

    private static void Measure(CellContext context, ResultRow row, int brokers, int partitions)
    {
        var replication = Math.Min(3, brokers);
        using var cluster = context.Target.Open(new ClusterRequest(brokers, "e1-readings", partitions, replication, Math.Min(2, replication), ["consumers"]));
        var layout = cluster.ReadLayout(TimeSpan.FromSeconds(10));
        row.Set("brokers_seen", layout.Brokers).Set("partitions_seen", layout.Partitions).Set("replication_seen", layout.MinReplicas)
            .Set("acks", ProducerSettings.Application.AcksLabel).Set("message_bytes", ExperimentMessage.Size);

        var messages = Messages(context.Quick);
        var ledger = new DeliveryLedger(messages);
        using (var producer = new ExperimentProducer(cluster.BootstrapServers, ProducerSettings.Application, cluster.Topic, ledger))
        {
            producer.WarmUp(partitions, context.Within(TimeSpan.FromSeconds(30)));
            var handed = producer.SendAll(0, messages, context.Within(TimeSpan.FromSeconds(60)));
            if (handed < messages || !producer.Flush(context.Within(TimeSpan.FromSeconds(60))))
            {
                throw new CellFailedException($"produce: {ledger.Acknowledged:N0} of {messages:N0} acknowledged by the deadline");
            }
        }

        var produceSeconds = ledger.SendToLastAckSeconds();
        var latency = ledger.AckLatencies();
        row.Set("messages", messages).Set("produce_msg_s", ledger.Acknowledged / produceSeconds)
            .Set("produce_p50_ms", latency.Percentile(0.50)).Set("produce_p99_ms", latency.Percentile(0.99)).Set("produce_errors", ledger.Failed);

        var consumeClock = Stopwatch.StartNew();
        using (var group = new ConsumerGroup(cluster.BootstrapServers, cluster.GroupName("consumers"), cluster.Topic, ledger, context.Deadline))
        {
            var member = group.Join();
            var drained = context.Within(TimeSpan.FromSeconds(90));
            while (!ledger.AllAcknowledgedConsumed() && DateTime.UtcNow < drained)
            {
                Thread.Sleep(50);
            }

            consumeClock.Stop();
            row.Set("group_join_s", Stopwatch.GetElapsedTime(member.StartedAt, ledger.FirstConsumedAt()).TotalSeconds);
        }

        row.Set("consume_msg_s", ledger.ConsumedDistinct / ledger.FirstToLastConsumedSeconds())
            .Set("produce_then_consume_msg_s", ledger.ConsumedDistinct / (produceSeconds + consumeClock.Elapsed.TotalSeconds))
            .Set("consumed", ledger.ConsumedDistinct).Set("lost", ledger.Lost).Set("redelivered", ledger.Redelivered).Set("written_twice", ledger.WrittenTwice);
        if (ledger.Lost > 0)
        {
            throw new CellFailedException($"{ledger.Lost:N0} acknowledged messages not consumed by the deadline");
        }
    }
}

using System.Diagnostics;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// E2, durability and failure: acks × idempotence × replication factor on 3 brokers and 6 partitions. Each cell
/// measures flat-out throughput, latency at a modest offered rate, and then a broker stopped mid-run through the
/// controller the dashboard uses: produce errors, messages acknowledged against messages consumed (by id), and the
/// seconds until the stopped broker's partitions take writes and deliver them again.
/// </summary>
internal static class DurabilityExperiment
{
    public const string Name = "e2-durability";
    private const int Brokers = 3;
    private const int Partitions = 6;

    /// <summary>Offered during the latency and broker-stop phases: well below saturation, so queueing in the
    /// client does not hide what acks and a failover cost, and a partition's backlog stays within the mock's retention.</summary>
    public const double OfferedPerSecond = 5_000;

    public static IEnumerable<ExperimentCell> Cells(bool quick, int repeats, int? fixedBrokers)
    {
        int[] replications = quick ? [3] : [1, 3];
        var producers = quick ? [ProducerSettings.Application] : ProducerSettings.Durabilities;
        // Rounds of the whole matrix rather than each cell n times in a row: a noisy minute on the shared host
        // then hits every setting once instead of one setting thrice.
        for (var repeat = 1; repeat <= Math.Max(1, repeats); repeat++)
        {
            foreach (var replication in replications)
            {
                foreach (var settings in producers)
                {
                    var rf = replication;
                    ExperimentCell cell = new(Name,
                        [new("replication", rf.ToString()), new("min_isr", MinInsync(rf).ToString()), new("acks", settings.AcksLabel),
                         new("idempotence", settings.Idempotence ? "on" : "off"), new("repeat", repeat.ToString())],
                        (context, row) => Task.Run(() => Measure(context, row, rf, settings)));
                    yield return fixedBrokers < rf
                        ? cell with { Measure = (_, _) => throw new CellSkippedException($"the cluster has {fixedBrokers} brokers, replication factor {rf} needs {rf}") }
                        : cell;
                }
            }
        }
    }

    // The phases' message ids (the throughput phase's start at 0), disjoint so each phase's ledger sees only its own.
    private const int LatencyIds = 1_000_000;
    private const int BrokerStopIds = 2_000_000;

    private static int MinInsync(int replication) => replication == 1 ? 1 : 2;

    private static void Measure(CellContext context, ResultRow row, int replication, ProducerSettings settings)
    {
        using var cluster = context.Target.Open(new ClusterRequest(Brokers, "e2-readings", Partitions, replication, MinInsync(replication), ["consumers"]));
        var layout = cluster.ReadLayout(TimeSpan.FromSeconds(10));
        row.Set("brokers_seen", layout.Brokers).Set("partitions_seen", layout.Partitions).Set("replication_seen", layout.MinReplicas)
            .Set("isr_seen", layout.MinInSyncReplicas).Set("min_isr_applied", cluster.MinInsyncReplicasApplied);

        // One client for the cell's three phases, each recorded in its own ledger.
        using var producer = new ExperimentProducer(cluster.BootstrapServers, settings, cluster.Topic, new DeliveryLedger(0));
        producer.WarmUp(layout.Partitions, context.Within(TimeSpan.FromSeconds(30)));
        MeasureThroughput(context, row, producer);
        MeasureLatency(context, row, producer);
        if (cluster.BrokerStopUnavailable is { } reason)
        {
            row.Set("broker_stop", reason);
            return;
        }

        MeasureBrokerStop(context, row, cluster, producer, layout);
    }

    private static void MeasureThroughput(CellContext context, ResultRow row, ExperimentProducer producer)
    {
        var messages = context.Quick ? 20_000 : 100_000;
        var ledger = producer.Ledger = new DeliveryLedger(messages);
        if (producer.SendAll(0, messages, context.Within(TimeSpan.FromSeconds(60))) < messages || !producer.Flush(context.Within(TimeSpan.FromSeconds(60))))
        {
            throw new CellFailedException($"throughput: {ledger.Acknowledged:N0} of {messages:N0} acknowledged by the deadline");
        }

        var latency = ledger.AckLatencies();
        row.Set("produce_msg_s", ledger.Acknowledged / ledger.SendToLastAckSeconds())
            .Set("saturated_p50_ms", latency.Percentile(0.50)).Set("saturated_p99_ms", latency.Percentile(0.99));
    }

    private static void MeasureLatency(CellContext context, ResultRow row, ExperimentProducer producer)
    {
        var duration = TimeSpan.FromSeconds(context.Quick ? 1 : 3);
        var ledger = producer.Ledger = new DeliveryLedger((int)(OfferedPerSecond * duration.TotalSeconds) + 1, LatencyIds);
        producer.SendPaced(LatencyIds, OfferedPerSecond, duration, context.Within(duration + TimeSpan.FromSeconds(30)));
        producer.Flush(context.Within(TimeSpan.FromSeconds(30)));
        var latency = ledger.AckLatencies();
        row.Set("offered_msg_s", OfferedPerSecond).Set("p50_ms", latency.Percentile(0.50)).Set("p99_ms", latency.Percentile(0.99));
    }

    /// <summary>
    /// Traffic at the offered rate with one group member reading along; the leader of partition 0 is stopped after
    /// <c>before</c>, started again after <c>down</c>, and traffic goes on for <c>after</c>; then everything
    /// acknowledged is drained and compared by id.
    /// </summary>
    private static void MeasureBrokerStop(CellContext context, ResultRow row, CellCluster cluster, ExperimentProducer producer, TopicLayout layout)
    {
        var (before, down, after) = context.Quick ? (1.5, 3.0, 1.5) : (3.0, 6.0, 4.0);
        var ledger = new DeliveryLedger((int)(OfferedPerSecond * (before + down + after)) + 1, BrokerStopIds);
        var victim = layout.Leaders[0];
        var affected = layout.PartitionsLedBy(victim);
        row.Set("stopped_broker", victim).Set("affected_partitions", affected.Count).Set("down_s", down);

        using var group = new ConsumerGroup(cluster.BootstrapServers, cluster.GroupName("consumers"), cluster.Topic, ledger, context.Deadline);
        var member = group.Join();
        if (double.IsNaN(group.SecondsUntilBalanced(member.StartedAt, layout.Partitions, context.Within(TimeSpan.FromSeconds(30)))))
        {
            throw new CellFailedException("broker stop: the consumer was not assigned the partitions within 30 s");
        }

        producer.Ledger = ledger;
        var sending = Task.Run(() => producer.SendPaced(BrokerStopIds, OfferedPerSecond, TimeSpan.FromSeconds(before + down + after), context.Within(TimeSpan.FromSeconds(90))));
        var schedule = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(before));
        var stoppedAt = Stopwatch.GetTimestamp();
        cluster.StopBroker(victim);
        var during = cluster.ReadLayout(TimeSpan.FromSeconds(10));
        row.Set("leaders_moved", affected.Count(p => during.Leaders[p] != victim));
        Thread.Sleep(TimeSpan.FromSeconds(Math.Max(0, before + down - schedule.Elapsed.TotalSeconds)));
        var restartedAt = Stopwatch.GetTimestamp();
        cluster.StartBroker(victim);
        sending.Wait(TimeSpan.FromSeconds(90));   // SendPaced keeps its own deadline
        var flushed = producer.Flush(context.Within(TimeSpan.FromSeconds(30)));
        var drained = context.Within(TimeSpan.FromSeconds(30));
        while (!ledger.AllAcknowledgedConsumed() && DateTime.UtcNow < drained)
        {
            Thread.Sleep(50);
        }

        var resume = ledger.ResumeAfter(stoppedAt, affected);
        var latency = ledger.AckLatencies();
        row.Set("stop_sent", ledger.Sent).Set("stop_acknowledged", ledger.Acknowledged).Set("stop_errors", ledger.Failed)
            .Set("stop_error_kinds", string.Join(";", ledger.Errors.Select(e => $"{e.Key}:{e.Value}")))
            .Set("stop_consumed", ledger.ConsumedDistinct).Set("stop_lost", ledger.Lost)
            .Set("stop_lost_before_stop", ledger.LostSentBetween(0, stoppedAt)).Set("stop_lost_while_down", ledger.LostSentBetween(stoppedAt, restartedAt))
            .Set("stop_lost_after_restart", ledger.LostSentBetween(restartedAt, long.MaxValue)).Set("stop_redelivered", ledger.Redelivered).Set("stop_written_twice", ledger.WrittenTwice)
            .Set("produce_resume_s", Slowest(resume.Values.Select(r => r.Produce)))
            .Set("consume_resume_s", Slowest(resume.Values.Select(r => r.Consume)))
            .Set("stop_p99_ms", latency.Percentile(0.99)).Set("stop_max_ms", latency.Max)
            .Set("stop_unflushed", flushed ? 0 : ledger.Sent - ledger.Acknowledged - ledger.Failed);
    }

    /// <summary>The last affected partition to resume sets the figure; one that never resumed makes it NaN (empty).</summary>
    private static double Slowest(IEnumerable<double> seconds)
    {
        var all = seconds.ToList();
        return all.Count == 0 || all.Any(double.IsNaN) ? double.NaN : all.Max();
    }
}

using System.Diagnostics;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// E3, orders of magnitude more clients on the application's layout (3 brokers, 6 partitions, replication 3):
/// 1, 10 and 100 producer clients sharing one stream; and consumer groups of 1 to 60 members on 6 partitions
/// (members past the partition count get nothing: the messages per member show it), with the time a rebalance
/// takes when a member joins and when one leaves.
/// </summary>
internal static class ClientCountExperiment
{
    public const string Producers = "e3-producers";
    public const string Groups = "e3-consumer-groups";
    private const int Brokers = 3;
    private const int Partitions = 6;

    public static IEnumerable<ExperimentCell> Cells(bool quick, int repeats)
    {
        // The producer cells are short and noisy: rounds of them, as E2 does. A rebalance's length is set by the
        // group's timeouts (the mock's included), so the group cells run once.
        for (var repeat = 1; repeat <= Math.Max(1, repeats); repeat++)
        {
            foreach (var count in quick ? [10] : new[] { 1, 10, 100 })
            {
                var producers = count;
                yield return new ExperimentCell(Producers, [new("producers", producers.ToString()), new("repeat", repeat.ToString())],
                    (context, row) => Task.Run(() => MeasureProducers(context, row, producers)));
            }
        }

        foreach (var count in quick ? [3] : new[] { 1, 3, 6, 12, 60 })
        {
            var members = count;
            yield return new ExperimentCell(Groups, [new("members", members.ToString()), new("partitions", Partitions.ToString())],
                (context, row) => Task.Run(() => MeasureGroup(context, row, members)));
        }
    }

    private static CellCluster Open(CellContext context, string topic) =>
        context.Target.Open(new ClusterRequest(Brokers, topic, Partitions, Math.Min(3, context.Target.FixedBrokerCount ?? Brokers), 2, ["consumers"]));

    /// <summary>Each producer is its own client (as each generator process would be) sending its share of the
    /// messages from its own thread, all at once.</summary>
    private static void MeasureProducers(CellContext context, ResultRow row, int producers)
    {
        using var cluster = Open(context, "e3-producers");
        var messages = context.Quick ? 20_000 : 300_000;
        var share = messages / producers;
        var ledger = new DeliveryLedger(share * producers);
        var ready = Stopwatch.StartNew();
        var clients = Enumerable.Range(0, producers)
            .Select(_ => new ExperimentProducer(cluster.BootstrapServers, ProducerSettings.Application, cluster.Topic, ledger)).ToList();
        try
        {
            var warmUpDeadline = context.Within(TimeSpan.FromSeconds(60));
            Parallel.ForEach(clients, new ParallelOptions { MaxDegreeOfParallelism = 16 }, client => client.WarmUp(Partitions, warmUpDeadline));
            ready.Stop();
            var deadline = context.Within(TimeSpan.FromSeconds(90));
            var threads = clients.Select((client, k) => new Thread(() =>
            {
                client.SendAll(k * share, (k + 1) * share, deadline);
                client.Flush(deadline);
            }) { IsBackground = true }).ToList();
            threads.ForEach(t => t.Start());
            var finished = threads.All(t => t.Join(TimeSpan.FromSeconds(120)));
            var latency = ledger.AckLatencies();
            row.Set("messages", ledger.Capacity).Set("acknowledged", ledger.Acknowledged).Set("clients_ready_s", ready.Elapsed.TotalSeconds)
                .Set("produce_msg_s", ledger.Acknowledged / ledger.SendToLastAckSeconds())
                .Set("produce_p50_ms", latency.Percentile(0.50)).Set("produce_p99_ms", latency.Percentile(0.99))
                .Set("process_threads", Process.GetCurrentProcess().Threads.Count).Set("produce_errors", ledger.Failed);
            if (!finished || ledger.Acknowledged < ledger.Capacity)
            {
                throw new CellFailedException($"{ledger.Acknowledged:N0} of {ledger.Capacity:N0} acknowledged by the deadline");
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>
    /// A group of <paramref name="members"/> started at once on the empty topic and held (see <see cref="GroupMember.Held"/>)
    /// while a backlog is written, then released to read it; then one member joins, then one that holds partitions leaves. Rebalance time: from the change until every member holds its new assignment and
    /// together they hold every partition.
    /// </summary>
    private static void MeasureGroup(CellContext context, ResultRow row, int members)
    {
        using var cluster = Open(context, "e3-groups");
        var messages = context.Quick ? 12_000 : 120_000;
        var ledger = new DeliveryLedger(messages);
        using var group = new ConsumerGroup(cluster.BootstrapServers, cluster.GroupName("consumers"), cluster.Topic, ledger, context.Deadline);
        var started = Stopwatch.GetTimestamp();
        for (var m = 0; m < members; m++)
        {
            group.Join();
        }

        var formed = group.SecondsUntilBalanced(started, Partitions, context.Within(TimeSpan.FromSeconds(60)));
        row.Set("group_formed_s", formed);
        if (double.IsNaN(formed))
        {
            throw new CellFailedException($"the group of {members} did not hold all {Partitions} partitions within 60 s");
        }

        foreach (var member in group.Members)
        {
            member.Held = true;
        }

        var holding = context.Within(TimeSpan.FromSeconds(10));
        while (!group.Members.All(m => m.IsPaused) && DateTime.UtcNow < holding)
        {
            Thread.Sleep(10);
        }

        using (var producer = new ExperimentProducer(cluster.BootstrapServers, ProducerSettings.Application, cluster.Topic, ledger))
        {
            producer.WarmUp(Partitions, context.Within(TimeSpan.FromSeconds(30)));
            if (producer.SendAll(0, messages, context.Within(TimeSpan.FromSeconds(60))) < messages || !producer.Flush(context.Within(TimeSpan.FromSeconds(60))))
            {
                throw new CellFailedException($"backlog: {ledger.Acknowledged:N0} of {messages:N0} acknowledged by the deadline");
            }
        }

        var released = Stopwatch.GetTimestamp();
        foreach (var member in group.Members)
        {
            member.Held = false;
        }

        var drained = context.Within(TimeSpan.FromSeconds(60));
        while (!ledger.AllAcknowledgedConsumed() && DateTime.UtcNow < drained)
        {
            Thread.Sleep(50);
        }

        var consumedIn = Stopwatch.GetElapsedTime(released).TotalSeconds;
        var perMember = group.Members.Select(m => m.Received).ToList();
        row.Set("messages", messages).Set("consumed_s", consumedIn)
            .Set("consume_msg_s", ledger.ConsumedDistinct / ledger.FirstToLastConsumedSeconds())
            .Set("active_members", perMember.Count(n => n > 0)).Set("idle_members", perMember.Count(n => n == 0))
            .Set("min_member_messages", perMember.Min()).Set("max_member_messages", perMember.Max())
            .Set("per_member_messages", string.Join(';', perMember))
            .Set("lost", ledger.Lost).Set("redelivered", ledger.Redelivered).Set("written_twice", ledger.WrittenTwice);
        if (ledger.Lost > 0)
        {
            throw new CellFailedException($"{ledger.Lost:N0} of {messages:N0} messages not consumed by the deadline");
        }

        var joinedAt = Stopwatch.GetTimestamp();
        group.Join();
        var join = group.SecondsUntilBalanced(joinedAt, Partitions, context.Within(TimeSpan.FromSeconds(60)));
        row.Set("rebalance_join_s", join);

        var leaving = group.Members.First(m => m.Partitions > 0);
        var leftAt = Stopwatch.GetTimestamp();
        group.Leave(leaving);
        var leave = group.SecondsUntilBalanced(leftAt, Partitions, context.Within(TimeSpan.FromSeconds(60)));
        row.Set("rebalance_leave_s", leave).Set("process_threads", Process.GetCurrentProcess().Threads.Count);
        if (double.IsNaN(join) || double.IsNaN(leave))
        {
            throw new CellFailedException($"a rebalance did not finish within 60 s (join {join:0.0} s, leave {leave:0.0} s)");
        }
    }
}

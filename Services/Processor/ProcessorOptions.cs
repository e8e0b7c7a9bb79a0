namespace HpcAspire.Processor;

/// <summary>The processor's identity, topics and batching, bound from <c>Processor</c>.</summary>
public sealed class ProcessorOptions
{
    public const string SectionName = "Processor";
    public const string GroupId = "processor";

    /// <summary>This instance's number: its transactional id is <c>processor-&lt;InstanceId&gt;</c>.</summary>
    public int InstanceId { get; set; }

    public string ReadingsTopic { get; set; } = "node-readings";

    public string JobEventsTopic { get; set; } = "job-events";

    public string EnrichedReadingsTopic { get; set; } = "enriched-readings";

    public string EnergyPartsTopic { get; set; } = "job-energy-parts";

    public string JobEnergyTopic { get; set; } = "job-energy";

    public string StateTopic { get; set; } = "processor-state";

    public string DeadLetterTopic { get; set; } = "dead-letters";

    /// <summary>Processor instances of the RabbitMQ application: each consumes every <c>Instances</c>-th reading shard.</summary>
    public int Instances { get; set; } = 1;

    /// <summary>Where a RabbitMQ processor keeps its checkpointed state; empty means <c>&lt;ContentRoot&gt;/.data/processor</c>.</summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>
    /// At most this many messages per transaction (Kafka; on RabbitMQ checkpoints follow <see cref="CheckpointMilliseconds"/>)…
    /// Keeping up, a transaction ends on its time (<see cref="BatchMilliseconds"/>, or <see cref="CatchUpBatchMilliseconds"/>
    /// while catching up); far behind, on this count. A transaction's snapshots cost the same
    /// however many readings it holds, so a processor that is behind catches up faster with more in each: at 5,000,
    /// a start-up backlog at 30,000 readings/s grew until it passed the embedded cluster's retention.
    /// </summary>
    public int BatchSize { get; set; } = 20_000;

    /// <summary>
    /// …and at most this long between commits: the pipeline's one latency-against-throughput setting. A reading's
    /// results are visible to a <c>read_committed</c> sink only when their transaction commits, so the transaction's
    /// length is the wait it adds (half of it on average). 50 ms serves a live 1,000–20,000 readings/s; 200 ms (five
    /// commits, five sets of snapshots a second instead of twenty) is the throughput end, for 50,000/s and more.
    /// </summary>
    public int BatchMilliseconds { get; set; } = 50;

    /// <summary>
    /// At least this many readings behind (the processor's reading partitions, their high watermarks as the consumer
    /// last fetched them less its positions), transactions run for <see cref="CatchUpBatchMilliseconds"/> until the
    /// backlog is below half of it. 10,000 is half a second of readings at 20,000/s, a fifth at 50,000/s: a processor
    /// that keeps up stays far below it, one that has fallen behind (a start-up, a restart, a burst) crosses it at once.
    /// </summary>
    public int CatchUpBacklog { get; set; } = 10_000;

    /// <summary>
    /// The transactions' length while catching up (never shorter than <see cref="BatchMilliseconds"/>): the throughput
    /// end's 200 ms and a little more, as the readings waiting behind the backlog lose nothing to it.
    /// </summary>
    public int CatchUpBatchMilliseconds { get; set; } = 250;

    /// <summary>
    /// On RabbitMQ, at most this long between checkpoints (state file written, inputs acked). Each writes the state of
    /// every node, so it is longer than Kafka's batches; outputs are sent as they are made either way, so it adds to
    /// the work redone after a crash, not to latency.
    /// </summary>
    public int CheckpointMilliseconds { get; set; } = 1_000;

    /// <summary>
    /// Readings waiting for the scheduler's watermark above which reading partitions pause (bounds memory and snapshots,
    /// e.g. while the job-event generator is stopped). Readings a few ticks ahead of the clock always wait: at 50,000/s,
    /// 5,000 was 0.1 s of them, and each pause drops what the consumer had fetched, to fetch it again on resume.
    /// </summary>
    public int MaxWaitingReadings { get; set; } = 25_000;

    /// <summary>
    /// Also commits the group's offsets outside the transactions, once each transaction has made them durable (stored
    /// after the commit, sent by the consumer every 250 ms). For a broker that keeps no transactional offsets:
    /// librdkafka's mock accepts <c>TxnOffsetCommit</c> and drops it, so without this the embedded cluster knows no
    /// position of the processor's, shows no lag for it and cannot trim what it has read. The AppHost turns it on in
    /// embedded mode; real brokers keep the transactional offsets and need no second commit. The snapshots stay the
    /// commit record either way: a restart resumes from them, at or after these offsets.
    /// </summary>
    public bool CommitGroupOffsets { get; set; }

    public string TransactionalId => $"processor-{InstanceId}";

    public void Validate()
    {
        if (InstanceId < 0 || BatchSize < 1 || BatchMilliseconds < 1 || CheckpointMilliseconds < 1 || MaxWaitingReadings < 1)
        {
            throw new ArgumentException("Processor:InstanceId must be 0 or more; BatchSize, BatchMilliseconds, CheckpointMilliseconds and MaxWaitingReadings at least 1.");
        }

        if (CatchUpBacklog < 1 || CatchUpBatchMilliseconds < 1)
        {
            throw new ArgumentException(
                $"Processor:CatchUpBacklog is {CatchUpBacklog} and Processor:CatchUpBatchMilliseconds {CatchUpBatchMilliseconds}; both must be at least 1 (e.g. 10000 readings and 250 ms).");
        }

        if (Instances < 1)
        {
            throw new ArgumentException($"Processor:Instances is {Instances}; set it to the number of RabbitMQ processor replicas, 1 or more.");
        }
    }

    /// <summary>On RabbitMQ the instance number picks the reading shards, so it must be one of the replicas.</summary>
    public void ValidateReplica()
    {
        if (InstanceId >= Instances)
        {
            throw new ArgumentException($"Processor:InstanceId is {InstanceId} but Processor:Instances is {Instances}; set InstanceId from 0 to {Instances - 1}.");
        }
    }
}

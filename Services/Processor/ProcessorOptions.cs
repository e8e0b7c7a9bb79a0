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

    /// <summary>At most this many messages per transaction (per checkpoint on RabbitMQ)…</summary>
    public int BatchSize { get; set; } = 5_000;

    /// <summary>…and at most this long between commits.</summary>
    public int BatchMilliseconds { get; set; } = 200;

    /// <summary>Readings waiting for the scheduler's watermark above which reading partitions pause (bounds memory and snapshots).</summary>
    public int MaxWaitingReadings { get; set; } = 5_000;

    public string TransactionalId => $"processor-{InstanceId}";

    public void Validate()
    {
        if (InstanceId < 0 || BatchSize < 1 || BatchMilliseconds < 1 || MaxWaitingReadings < 1)
        {
            throw new ArgumentException("Processor:InstanceId must be 0 or more; BatchSize, BatchMilliseconds and MaxWaitingReadings at least 1.");
        }

        if (Instances < 1 || InstanceId >= Instances)
        {
            throw new ArgumentException($"Processor:Instances is {Instances} and Processor:InstanceId {InstanceId}; Instances must be at least 1 and InstanceId below it.");
        }
    }
}

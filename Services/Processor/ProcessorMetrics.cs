using System.Diagnostics.Metrics;

namespace HpcAspire.Processor;

/// <summary>What the processor did, as OpenTelemetry counters.</summary>
internal sealed class ProcessorMetrics
{
    public const string MeterName = "HpcAspire.Processor";

    public ProcessorMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        Transactions = meter.CreateCounter<long>("hpcaspire.processor.transactions", "{transaction}", "Transactions committed.");
        Aborts = meter.CreateCounter<long>("hpcaspire.processor.aborts", "{transaction}", "Transactions aborted; the session restarts from its snapshots.");
        Enriched = meter.CreateCounter<long>("hpcaspire.processor.enriched_readings", "{reading}", "Readings joined and written.");
        JobEnergies = meter.CreateCounter<long>("hpcaspire.processor.job_energies", "{job}", "Job energies completed and written.");
        CopiesSkipped = meter.CreateCounter<long>("hpcaspire.processor.copies_skipped", "{message}",
            "Redelivered or republished messages the state already held (RabbitMQ), skipped rather than dead-lettered.");
        ReadingPauses = meter.CreateCounter<long>("hpcaspire.processor.reading_pauses", "{pause}",
            "Times the reading partitions were paused because Processor:MaxWaitingReadings readings waited for the scheduler's clock.");
        CatchUpTransactions = meter.CreateCounter<long>("hpcaspire.processor.catch_up_transactions", "{transaction}",
            "Transactions run for Processor:CatchUpBatchMilliseconds because the processor was Processor:CatchUpBacklog readings behind or more.");
    }

    public Counter<long> CatchUpTransactions { get; }

    public Counter<long> ReadingPauses { get; }

    public Counter<long> CopiesSkipped { get; }

    public Counter<long> Transactions { get; }

    public Counter<long> Aborts { get; }

    public Counter<long> Enriched { get; }

    public Counter<long> JobEnergies { get; }
}

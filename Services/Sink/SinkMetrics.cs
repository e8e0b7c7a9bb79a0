using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HpcAspire.Sink;

/// <summary>Rows written per topic, duplicates skipped and dead letters, as metrics and as the progress line logged every 10 s.</summary>
internal sealed class SinkMetrics
{
    public const string MeterName = "HpcAspire.Sink";

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(10);

    private readonly Counter<long> rowsWritten;
    private readonly Counter<long> consumeErrors;
    private readonly Counter<long> duplicatesSkipped;
    private readonly ConcurrentDictionary<string, long> rows = new();
    private readonly Dictionary<string, long> rowsAtLastLog = [];
    private readonly Stopwatch sinceLastLog = Stopwatch.StartNew();
    private readonly ILogger<SinkMetrics> logger;
    private long deadLettered;
    private long duplicates;

    public SinkMetrics(IMeterFactory meterFactory, ILogger<SinkMetrics> logger)
    {
        this.logger = logger;
        var meter = meterFactory.Create(MeterName);
        rowsWritten = meter.CreateCounter<long>("hpcaspire.sink.rows_written", "{row}", "CSV rows written (checkpointed or not yet).");
        duplicatesSkipped = meter.CreateCounter<long>("hpcaspire.sink.duplicates_skipped", "{message}",
            "Results already written that arrived again (a processor's replay, an aborted transaction's output) and were not written twice.");
        consumeErrors = meter.CreateCounter<long>("hpcaspire.sink.consume_errors", "{error}", "Errors of the consumer that did not stop it.");
    }

    public void RowWritten(string topic)
    {
        rowsWritten.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", topic));
        rows.AddOrUpdate(topic, 1, (_, n) => n + 1);
    }

    public void DuplicateSkipped(string topic)
    {
        duplicatesSkipped.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", topic));
        Interlocked.Increment(ref duplicates);
    }

    public void DeadLettered() => Interlocked.Increment(ref deadLettered);

    public void ConsumeError() => consumeErrors.Add(1);

    public void LogProgressIfDue()
    {
        if (sinceLastLog.Elapsed < ProgressInterval)
        {
            return;
        }

        var seconds = sinceLastLog.Elapsed.TotalSeconds;
        sinceLastLog.Restart();
        foreach (var (topic, total) in rows.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var before = rowsAtLastLog.GetValueOrDefault(topic);
            rowsAtLastLog[topic] = total;
            logger.LogInformation("{Topic}: {Total} rows, {Rate:F0} rows/s", topic, total, (total - before) / seconds);
        }

        logger.LogInformation("{DeadLettered} messages dead-lettered and {Duplicates} copies of written results skipped so far",
            Interlocked.Read(ref deadLettered), Interlocked.Read(ref duplicates));
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace HpcAspire.Sink;

/// <summary>Rows written per topic, duplicates skipped and dead letters, as metrics and as the progress line logged every 10 s.</summary>
internal sealed class SinkMetrics
{
    public const string MeterName = "HpcAspire.Sink";

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(10);

    private readonly Counter<long> consumeErrors;
    private readonly Counter<long> duplicatesSkipped;
    // Counted here and observed by the meter: a counter's Add with a topic tag, per row, was 8 % of the sink.
    private readonly ConcurrentDictionary<string, StrongBox<long>> rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> rowsAtLastLog = [];
    private readonly Stopwatch sinceLastLog = Stopwatch.StartNew();
    private readonly ILogger<SinkMetrics> logger;
    private long deadLettered;
    private long duplicates;

    public SinkMetrics(IMeterFactory meterFactory, ILogger<SinkMetrics> logger)
    {
        this.logger = logger;
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableCounter("hpcaspire.sink.rows_written",
            () => rows.Select(r => new Measurement<long>(Interlocked.Read(ref r.Value.Value), new KeyValuePair<string, object?>("messaging.destination.name", r.Key))),
            "{row}", "CSV rows written (checkpointed or not yet).");
        duplicatesSkipped = meter.CreateCounter<long>("hpcaspire.sink.duplicates_skipped", "{message}",
            "Results already written that arrived again (a processor's replay, an aborted transaction's output) and were not written twice.");
        consumeErrors = meter.CreateCounter<long>("hpcaspire.sink.consume_errors", "{error}", "Errors of the consumer that did not stop it.");
    }

    public void RowWritten(string topic)
    {
        Interlocked.Increment(ref rows.GetOrAdd(topic, static _ => new StrongBox<long>()).Value);
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
        foreach (var (topic, count) in rows.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var total = Interlocked.Read(ref count.Value);
            var before = rowsAtLastLog.GetValueOrDefault(topic);
            rowsAtLastLog[topic] = total;
            logger.LogInformation("{Topic}: {Total} rows, {Rate:F0} rows/s", topic, total, (total - before) / seconds);
        }

        logger.LogInformation("{DeadLettered} messages dead-lettered and {Duplicates} copies of written results skipped so far",
            Interlocked.Read(ref deadLettered), Interlocked.Read(ref duplicates));
    }
}

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

    private readonly Counter<long> _consumeErrors;
    private readonly Counter<long> _duplicatesSkipped;
    // Counted here and observed by the meter: a counter's Add with a topic tag, per row, was 8 % of the sink.
    private readonly ConcurrentDictionary<string, StrongBox<long>> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _rowsAtLastLog = [];
    private readonly Stopwatch _sinceLastLog = Stopwatch.StartNew();
    private readonly ILogger<SinkMetrics> _logger;
    private long _deadLettered;
    private long _duplicates;

    public SinkMetrics(IMeterFactory meterFactory, ILogger<SinkMetrics> logger)
    {
        this._logger = logger;
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableCounter("hpcaspire.sink.rows_written",
            () => _rows.Select(r => new Measurement<long>(Interlocked.Read(ref r.Value.Value), new KeyValuePair<string, object?>("messaging.destination.name", r.Key))),
            "{row}", "CSV rows written (checkpointed or not yet).");
        _duplicatesSkipped = meter.CreateCounter<long>("hpcaspire.sink.duplicates_skipped", "{message}",
            "Results already written that arrived again (a processor's replay, an aborted transaction's output) and were not written twice.");
        _consumeErrors = meter.CreateCounter<long>("hpcaspire.sink.consume_errors", "{error}", "Errors of the consumer that did not stop it.");
    }

    public void RowWritten(string topic)
    {
        Interlocked.Increment(ref _rows.GetOrAdd(topic, static _ => new StrongBox<long>()).Value);
    }

    public void DuplicateSkipped(string topic)
    {
        _duplicatesSkipped.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", topic));
        Interlocked.Increment(ref _duplicates);
    }

    public void DeadLettered() => Interlocked.Increment(ref _deadLettered);

    public void ConsumeError() => _consumeErrors.Add(1);

    public void LogProgressIfDue()
    {
        if (_sinceLastLog.Elapsed < ProgressInterval)
        {
            return;
        }

        var seconds = _sinceLastLog.Elapsed.TotalSeconds;
        _sinceLastLog.Restart();
        foreach (var (topic, count) in _rows.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var total = Interlocked.Read(ref count.Value);
            var before = _rowsAtLastLog.GetValueOrDefault(topic);
            _rowsAtLastLog[topic] = total;
            _logger.LogInformation("{Topic}: {Total} rows, {Rate:F0} rows/s", topic, total, (total - before) / seconds);
        }

        _logger.LogInformation("{DeadLettered} messages dead-lettered and {Duplicates} copies of written results skipped so far",
            Interlocked.Read(ref _deadLettered), Interlocked.Read(ref _duplicates));
    }
}

using System.Diagnostics;
using HpcAspire.Messaging;
using HpcAspire.Sink.Storage;

namespace HpcAspire.Sink.Core;

/// <summary>A record of the message being stored that must be dead-lettered: why, and which record of a batch (null for the whole message).</summary>
internal readonly record struct SinkRejection(DeadLetterReason Reason, string Error, int? Record);

/// <summary>What became of a message's records: how many it held, and those to dead-letter.</summary>
internal readonly record struct StoredMessage(int Records, IReadOnlyList<SinkRejection> Rejections);

/// <summary>
/// What the sink does to a message of results, whatever broker carries it: decoded, checked and formatted
/// (<see cref="IResultTopic"/>), each row appended to its files or skipped as a copy of one they hold; what cannot be
/// a row comes back to the runner to dead-letter. Rows are durable at the runner's checkpoint, which ends their
/// end-to-end latency (<see cref="Durable"/>).
/// </summary>
/// <remarks>
/// The runners (<see cref="SinkWorker"/> on Kafka, <see cref="RabbitMQSinkConsumer"/> on RabbitMQ) hold only their
/// broker's mechanics: which files a message goes to, when to checkpoint, and the offsets or acks that follow it.
/// </remarks>
internal sealed class SinkCore(IReadOnlyDictionary<string, IResultTopic> topics, SinkMetrics metrics, PipelineStages stages, bool batches)
{
    public const string ActivitySourceName = "HpcAspire.Sink";
    private static readonly ActivitySource Activities = new(ActivitySourceName);

    // Rows written since the last checkpoint, by topic and own time: their end-to-end latency ends when they are durable.
    private readonly List<(string Topic, DateTime At)> _notYetDurable = [];

    public IReadOnlyDictionary<string, IResultTopic> Topics => topics;

    /// <summary>
    /// Stores a message of <paramref name="topic"/> (one result, or a batch) in <paramref name="files"/>: at
    /// <paramref name="position"/> (a Kafka offset), or, when null, at the files' own next position (RabbitMQ has no
    /// offsets; copies are caught by identity). Returns how many records it held and what must be dead-lettered.
    /// </summary>
    public async ValueTask<StoredMessage> StoreAsync(string topic, byte[]? body, PartitionCsvFiles files, long? position)
    {
        var rows = await DecodeAsync(topics[topic], body).ConfigureAwait(false);
        List<SinkRejection>? rejections = null;
        for (var i = 0; i < rows.Rows.Count; i++)
        {
            var row = rows.Rows[i];
            if (row.Record is { } record)
            {
                Write(files, position ?? files.NextOffset ?? 0, topic, row, record);
                continue;
            }

            (rejections ??= []).Add(new SinkRejection(row.RejectionReason!.Value, row.Error!, rows.IsBatch ? i : null));
        }

        if (rejections is not null)
        {
            Activity.Current?.SetStatus(ActivityStatusCode.Error, rejections[0].Reason.ToString());
        }

        return new StoredMessage(rows.Rows.Count, rejections ?? []);
    }

    /// <summary>The rows written so far are durable: their end-to-end latency ends now.</summary>
    public void Durable()
    {
        var durableAt = DateTime.UtcNow;
        foreach (var (topic, at) in _notYetDurable)
        {
            stages.RecordEndToEnd(topic, at, durableAt);
        }

        _notYetDurable.Clear();
    }

    /// <summary>The rows written since the last checkpoint are gone (the files were cut back to it): they will come again.</summary>
    public void Forget() => _notYetDurable.Clear();

    private async ValueTask<RowOutcomes> DecodeAsync(IResultTopic topic, byte[]? body)
    {
        var startedAt = stages.Start();
        using var activity = MessagingActivities.StartStage(Activities, PipelineStages.Deserialize);
        var rows = batches ? await topic.ToRowsAsync(body ?? []).ConfigureAwait(false) : new RowOutcomes([await topic.ToRowAsync(body).ConfigureAwait(false)], IsBatch: false);
        stages.Record(PipelineStages.Deserialize, topic.Topic, startedAt);
        return rows;
    }

    private void Write(PartitionCsvFiles files, long position, string topic, RowOutcome row, string record)
    {
        var startedAt = stages.Start();
        using (var activity = MessagingActivities.StartStage(Activities, PipelineStages.Write))
        {
            var written = files.Append(position, row.Result, record);
            activity?.SetTag("hpcaspire.sink.duplicate", !written);
            if (written)
            {
                metrics.RowWritten(topic);
                _notYetDurable.Add((topic, row.Result.At));
            }
            else
            {
                metrics.DuplicateSkipped(topic);
            }
        }

        stages.Record(PipelineStages.Write, topic, startedAt);
    }
}

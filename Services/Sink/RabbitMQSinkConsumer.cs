using System.Diagnostics;
using HpcAspire.Domain.Storage;
using HpcAspire.Messaging;
using HpcAspire.Messaging.RabbitMQ;
using HpcAspire.Sink.Core;
using HpcAspire.Sink.Storage;
using Microsoft.Extensions.Options;

namespace HpcAspire.Sink;

/// <summary>
/// The sink on RabbitMQ: the results queue into the same CSV files as on Kafka, one series per result kind
/// (<c>&lt;output&gt;/enriched-readings/sink.results/</c>, <c>&lt;output&gt;/job-energy/sink.results/</c>). A message
/// holds one result or a batch of enriched readings. Every <c>BatchSize</c> rows, half the batch prefetch in messages,
/// or <c>BatchInterval</c>, or as soon as no message has come for <c>IdleCheckpoint</c>, the files are checkpointed
/// (flushed, fsynced, positions recorded) and only then is everything up to the last message acked. A session that ends (the broker went away) reopens the
/// files, which cuts them back to their checkpoint; the broker delivers the unacked messages again, and a result the
/// files already hold, whatever the copy came from, is skipped by its identity.
/// </summary>
internal sealed class RabbitMQSinkConsumer(
    RabbitMQConsumerContext context, SinkCore core, SinkMetrics metrics, IOptions<SinkOptions> options, TimeProvider clock)
    : RabbitMQConsumer(context, options.Value.ConsumerGroup, [HpcTopology.SinkQueue])
{
    private readonly Dictionary<string, PartitionCsvFiles> _files = [];
    private readonly Stopwatch _sinceCheckpoint = Stopwatch.StartNew();
    private readonly Stopwatch _sinceMessage = Stopwatch.StartNew();
    private ReceivedMessage? _lastHandled;
    private int _pendingMessages;
    private int _pendingRows;

    private SinkOptions Settings => options.Value;

    private bool ChecksIdle => Settings.IdleCheckpoint > TimeSpan.Zero && Settings.IdleCheckpoint < Settings.BatchInterval;

    /// <summary>The timer looks every <c>IdleCheckpoint</c> whether the input paused, or else every <c>BatchInterval</c>.</summary>
    protected override TimeSpan CheckpointInterval => ChecksIdle ? Settings.IdleCheckpoint : Settings.BatchInterval;

    /// <summary>With no message handled since the last checkpoint a tick has nothing to make durable, and leaves the deliveries their turn.</summary>
    protected override bool CheckpointPending => _lastHandled is not null;

    protected override Task OnSessionStartAsync(CancellationToken cancellationToken)
    {
        CloseFiles();
        foreach (var (name, topic) in core.Topics)
        {
            _files[name] = PartitionCsvFiles.Open(Path.Combine(Settings.OutputDirectory, name, HpcTopology.SinkQueue), topic.Header,
                new FileRotation(Settings.MaxFileBytes, Settings.MaxFileAge), Settings.DuplicateWindow, clock);
        }

        _lastHandled = null;
        _pendingMessages = 0;
        _pendingRows = 0;
        core.Forget();
        Logger.LogInformation("Sinking {Queue} into CSV files under {Directory}; checkpoint every {BatchSize} rows, {Messages} messages or {BatchInterval}, or after {IdleCheckpoint} without a message",
            HpcTopology.SinkQueue, Settings.OutputDirectory, Settings.BatchSize, MessagesBeforeCheckpoint(Transport.BatchPrefetch), Settings.BatchInterval,
            Settings.IdleCheckpoint);
        return Task.CompletedTask;
    }

    /// <summary>Batches of enriched readings carry batch messages: their prefetch counts those.</summary>
    protected override ushort PrefetchOf(string queue) => Transport.BatchPrefetch;

    protected override async Task HandleAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var topic = message.RoutingKey.StartsWith(HpcTopology.JobEnergyKeyPrefix, StringComparison.Ordinal) ? Settings.JobEnergyTopic
            : message.RoutingKey.StartsWith(HpcTopology.EnrichedReadingKeyPrefix, StringComparison.Ordinal) ? Settings.EnrichedReadingsTopic
            : null;
        var records = 1;
        if (topic is null)
        {
            await DeadLetterAsync(message, DeadLetterReason.UnknownRoutingKey,
                $"Routing key '{message.RoutingKey}' is neither {HpcTopology.EnrichedReadingKeyPrefix}* nor {HpcTopology.JobEnergyKeyPrefix}*.", cancellationToken: cancellationToken);
            metrics.DeadLettered();
        }
        else
        {
            var stored = await core.StoreAsync(topic, message.Body.ToArray(), _files[topic], position: null);
            records = stored.Records;
            foreach (var (reason, error, record) in stored.Rejections)
            {
                await DeadLetterAsync(message, reason, error, record, cancellationToken);
                metrics.DeadLettered();
            }
        }

        _lastHandled = message;
        _sinceMessage.Restart();
        _pendingRows += records;
        if (++_pendingMessages >= MessagesBeforeCheckpoint(Transport.BatchPrefetch) || _pendingRows >= Settings.BatchSize)
        {
            await CheckpointAsync(cancellationToken);
        }

        metrics.LogProgressIfDue();
    }

    /// <summary>
    /// Due every <c>BatchInterval</c>, and as soon as the input has paused for <c>IdleCheckpoint</c> with rows pending:
    /// a live stream's rows do not wait for the interval. A sink that is behind is never idle.
    /// </summary>
    protected override Task OnCheckpointDueAsync(CancellationToken cancellationToken) =>
        _sinceCheckpoint.Elapsed >= Settings.BatchInterval || (ChecksIdle && _lastHandled is not null && _sinceMessage.Elapsed >= Settings.IdleCheckpoint)
            ? CheckpointAsync(cancellationToken)
            : Task.CompletedTask;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        CloseFiles();
    }

    /// <summary>Rows durable first (flushed, fsynced, positions recorded), acks after.</summary>
    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        _sinceCheckpoint.Restart();
        if (await CheckpointThroughAsync(_lastHandled, CheckpointFiles, cancellationToken))
        {
            core.Durable();
            _lastHandled = null;
            _pendingMessages = 0;
            _pendingRows = 0;
        }
    }

    private Task<bool> CheckpointFiles(CancellationToken cancellationToken)
    {
        foreach (var files in _files.Values)
        {
            files.Checkpoint();
        }

        return Task.FromResult(true);
    }

    private void CloseFiles()
    {
        foreach (var files in _files.Values)
        {
            files.Dispose();
        }

        _files.Clear();
    }
}

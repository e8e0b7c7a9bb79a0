using System.Diagnostics;
using Confluent.Kafka;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Sink.Core;
using Microsoft.Extensions.Options;

namespace HpcAspire.Sink;

/// <summary>
/// The consume loop: each message becomes a CSV row in its partition's file or a dead letter; every
/// <c>BatchSize</c> messages or <c>BatchInterval</c>, or when no message came for <c>IdleCheckpoint</c>, the files are
/// checkpointed and then the offsets committed. Message errors are handled per message; a fatal consumer error stops the service.
/// </summary>
internal sealed class SinkWorker(
    IConsumer<string?, byte[]> consumer, SinkCore core, AssignedPartitions partitions,
    DeadLetterPublisher deadLetters, SinkMetrics metrics, KafkaTracing tracing, IOptions<SinkOptions> options,
    IHostApplicationLifetime lifetime, ILogger<SinkWorker> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    // Consume blocks; a thread of its own keeps it off the thread pool.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        consumer.Subscribe(core.Topics.Keys);
        logger.LogInformation("Sinking {Topics} into CSV files; checkpoint every {BatchSize} messages or {BatchInterval}, or after {IdleCheckpoint} without a message",
            string.Join(", ", core.Topics.Keys), settings.BatchSize, settings.BatchInterval, settings.IdleCheckpoint);

        var sinceCheckpoint = Stopwatch.StartNew();
        var loopStartedAt = PipelineStages.Now();
        var pending = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // A bounded wait rather than Consume(token): an idle stream still gets its last rows checkpointed; with
                // rows pending, at most IdleCheckpoint, so rows are made durable as soon as the input pauses.
                var wait = settings.BatchInterval - sinceCheckpoint.Elapsed;
                var idle = pending > 0 && settings.IdleCheckpoint > TimeSpan.Zero && settings.IdleCheckpoint < wait;
                var result = Consume(idle ? settings.IdleCheckpoint : wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
                if (result is { IsPartitionEOF: false, Message: not null } && Handle(result))
                {
                    pending++;
                }

                if (pending >= settings.BatchSize || sinceCheckpoint.Elapsed >= settings.BatchInterval || (idle && result is null))
                {
                    Checkpoint();
                    pending = 0;
                    // A turn: the batch consumed, formatted, written, fsynced and checkpointed.
                    tracing.Stages.Record(PipelineStages.Loop, "", loopStartedAt);
                    loopStartedAt = PipelineStages.Now();
                    sinceCheckpoint.Restart();
                }

                metrics.LogProgressIfDue();
            }

            Checkpoint();
            consumer.Close();
            logger.LogInformation("Stopped after a last checkpoint");
        }
        catch (KafkaException ex) when (ex.Error.IsFatal)
        {
            // Nothing after the last checkpoint is kept: the restarted service reads it again.
            logger.LogCritical(ex, "Fatal Kafka error {Code}: {Reason}; stopping", ex.Error.Code, ex.Error.Reason);
            partitions.Abandon();
            lifetime.StopApplication();
        }
    }

    private void Checkpoint()
    {
        // Timed by the stage histogram only: a trace of its own every BatchInterval would bury the readings' traces.
        var startedAt = PipelineStages.Now();
        partitions.CheckpointAndCommit(consumer);
        core.Durable();
        tracing.Stages.Record(PipelineStages.Checkpoint, "", startedAt);
    }

    private ConsumeResult<string?, byte[]>? Consume(TimeSpan wait)
    {
        try
        {
            return consumer.Consume(wait);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            metrics.ConsumeError();
            logger.LogWarning("Consume error {Code} at {Position}: {Reason}", ex.Error.Code, ex.ConsumerRecord?.TopicPartitionOffset, ex.Error.Reason);
            return null;
        }
    }

    /// <summary>Writes or dead-letters one message; false when it was already handled before a restart or must be retried.</summary>
    private bool Handle(ConsumeResult<string?, byte[]> message)
    {
        var files = partitions[message.TopicPartition];
        if (!files.Expects(message.Offset.Value))
        {
            return false;
        }

        var startedAt = tracing.Stages.Start();
        using var activity = tracing.StartProcess(message, options.Value.ConsumerGroup);
        try
        {
            // A Kafka record holds one result: one row at its offset, or one rejection.
            var stored = core.StoreAsync(message.Topic, message.Message.Value, files, message.Offset.Value).GetAwaiter().GetResult();
            foreach (var (reason, error, _) in stored.Rejections)
            {
                logger.LogWarning("Dead-lettering {Position} ({Reason}): {Error}", message.TopicPartitionOffset, reason, error);
                deadLetters.Publish(message, reason, error);
                metrics.DeadLettered();
                files.Skip(message.Offset.Value); // only once its dead letter is out: a failed one is read again
            }

            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or KafkaException)
        {
            // The registry or the dead-letter topic is unreachable: the message is fine, so read it again later.
            logger.LogWarning("Cannot handle {Position} now ({Error}); retrying in {Delay}", message.TopicPartitionOffset, ex.Message, RetryDelay);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            consumer.Seek(message.TopicPartitionOffset);
            Thread.Sleep(RetryDelay);
            return false;
        }
        finally
        {
            tracing.Stages.Record(PipelineStages.Process, message.Topic, startedAt);
        }
    }
}

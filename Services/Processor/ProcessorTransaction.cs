using System.Diagnostics;
using Confluent.Kafka;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;

namespace HpcAspire.Processor;

/// <summary>
/// A session's transactions, one after another on its transactional producer: what a batch produces
/// and dead-letters, and then the group's offsets, commit together or are aborted together.
/// </summary>
internal sealed class ProcessorTransaction(
    IProducer<string?, byte[]> producer, IConsumer<string?, byte[]> group, DeadLetterPublisher deadLetters, PipelineStages stages, ILogger logger)
{
    private Error? _deliveryError;
    private Action<DeliveryReport<string?, byte[]>>? _onDelivered;

    private Action<DeliveryReport<string?, byte[]>> OnDeliveredHandler => _onDelivered ??= OnDelivered;

    public bool IsOpen { get; private set; }

    public void EnsureOpen()
    {
        if (!IsOpen)
        {
            producer.BeginTransaction();
            IsOpen = true;
            _deliveryError = null;
        }
    }

    public void Produce(string topic, int? partition, string key, byte[] value) =>
        Produce(topic, partition, new Message<string?, byte[]> { Key = key, Value = value }, OnDeliveredHandler);

    /// <summary>
    /// Produces a message whose send span (started by the caller, its context in the headers) ends at delivery, and whose
    /// send stage is timed when <paramref name="startedAt"/> is not <see cref="PipelineStages.NotTimed"/>. The rest, most
    /// of them, share one handler instead of a closure each.
    /// </summary>
    public void Produce(string topic, Message<string?, byte[]> message, Activity? send, long startedAt) =>
        Produce(topic, null, message, send is null && startedAt == PipelineStages.NotTimed ? OnDeliveredHandler : report =>
        {
            KafkaTracing.Delivered(send, report.TopicPartitionOffset, report.Error);
            stages.Record(PipelineStages.Send, topic, startedAt);
            OnDelivered(report);
        });

    private void Produce(string topic, int? partition, Message<string?, byte[]> message, Action<DeliveryReport<string?, byte[]>> onDelivered)
    {
        while (true)
        {
            try
            {
                if (partition is { } p)
                {
                    producer.Produce(new TopicPartition(topic, p), message, onDelivered);
                }
                else
                {
                    producer.Produce(topic, message, onDelivered);
                }

                return;
            }
            catch (ProduceException<string?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    public void DeadLetter(ConsumeResult<string?, byte[]> source, string reason, string error)
    {
        EnsureOpen();
        logger.LogWarning("Dead-lettering {Topic}/{Partition}@{Offset}: {Reason}: {Error}", source.Topic, source.Partition.Value, source.Offset.Value, reason, error);
        deadLetters.Publish(source, reason, error);
    }

    /// <summary>Waits until everything produced so far is delivered.</summary>
    public void Flush() => producer.Flush(ProcessingSession.BrokerTimeout);

    /// <summary>Commits the open transaction with the group's next offsets.</summary>
    public void Commit(IReadOnlyList<TopicPartitionOffset> offsets)
    {
        if (offsets.Count > 0)
        {
            Retrying(() => producer.SendOffsetsToTransaction(offsets, group.ConsumerGroupMetadata, ProcessingSession.BrokerTimeout));
        }

        Retrying(() => producer.CommitTransaction(ProcessingSession.BrokerTimeout));
        IsOpen = false;
    }

    public void Abort()
    {
        if (IsOpen)
        {
            try
            {
                producer.AbortTransaction(ProcessingSession.BrokerTimeout);
            }
            catch (KafkaException ex)
            {
                logger.LogWarning(ex, "Abort failed; the next session's InitTransactions aborts the transaction");
            }

            IsOpen = false;
        }
    }

    // The shape of Confluent's transactional examples: retriable errors are retried, an abortable one
    // aborts (and this session restarts from the snapshots), a fatal one ends the producer's life.
    private void Retrying(Action operation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                operation();
                if (_deliveryError is { } error)
                {
                    throw new SessionRestartException($"A message of the transaction was not delivered: {error.Reason}");
                }

                return;
            }
            catch (KafkaRetriableException ex) when (attempt < 5)
            {
                logger.LogWarning(ex, "Retrying a transaction step ({Attempt})", attempt);
            }
            catch (KafkaTxnRequiresAbortException ex)
            {
                throw new SessionRestartException("The transaction must be aborted", ex);
            }
        }
    }

    private void OnDelivered(DeliveryReport<string?, byte[]> report)
    {
        if (report.Error.IsError)
        {
            _deliveryError = report.Error;
        }
    }
}

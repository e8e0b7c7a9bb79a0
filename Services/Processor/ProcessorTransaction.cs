using System.Diagnostics;
using Confluent.Kafka;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;

namespace HpcAspire.Processor;

/// <summary>
/// A session's transactions, one after another on its transactional producer: what a batch produces
/// and dead-letters, and then the group's offsets, commit together or are aborted together.
/// </summary>
/// <remarks>
/// The producer has no delivery reports (<see cref="Configure"/>): in a transaction a message is delivered, for a
/// <c>read_committed</c> reader, when its transaction commits, and a message the brokers refused fails the commit
/// (librdkafka's <c>commit_transaction</c> returns an abortable error), which restarts the session from its snapshots.
/// A report per message said nothing more, and cost the processor a callback and half a dozen objects each
/// (a seventh of its allocations). So a send span ends, and a timed send stage is recorded, at the commit.
/// </remarks>
internal sealed class ProcessorTransaction(
    IProducer<string?, byte[]> producer, IConsumer<string?, byte[]> group, DeadLetterPublisher deadLetters, PipelineStages stages, ILogger logger)
{
    // The sends of the open transaction that wait for its end: their span to stop, or their send stage to be recorded.
    private readonly List<(Activity? Span, string Topic, long StartedAt)> _awaitingCommit = [];

    public bool IsOpen { get; private set; }

    /// <summary>What the transactional producer needs whatever configuration says (<see cref="ProcessorTransaction"/>).</summary>
    public static ProducerConfig Configure(ProducerConfig config)
    {
        config.EnableIdempotence = true; // a transactional producer is idempotent and acks=all
        config.Acks = Acks.All;
        config.EnableDeliveryReports = false;
        return config;
    }

    public void EnsureOpen()
    {
        if (!IsOpen)
        {
            producer.BeginTransaction();
            IsOpen = true;
        }
    }

    public void Produce(string topic, int? partition, string key, byte[] value) =>
        Produce(topic, partition, new Message<string?, byte[]> { Key = key, Value = value });

    /// <summary>
    /// Produces a message whose send span (started by the caller, its context in the headers) ends when the transaction
    /// does, and whose send stage is timed to then when <paramref name="startedAt"/> is not <see cref="PipelineStages.NotTimed"/>.
    /// </summary>
    public void Produce(string topic, Message<string?, byte[]> message, Activity? send, long startedAt)
    {
        Produce(topic, null, message);
        if (send is not null || startedAt != PipelineStages.NotTimed)
        {
            _awaitingCommit.Add((send, topic, startedAt));
        }
    }

    private void Produce(string topic, int? partition, Message<string?, byte[]> message)
    {
        while (true)
        {
            try
            {
                if (partition is { } p)
                {
                    producer.Produce(new TopicPartition(topic, p), message);
                }
                else
                {
                    producer.Produce(topic, message);
                }

                return;
            }
            catch (ProduceException<string?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    public void DeadLetter(ConsumeResult<string?, byte[]> source, DeadLetterReason reason, string error)
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
        EndSends(error: null);
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

        EndSends(error: "transaction aborted");
    }

    private void EndSends(string? error)
    {
        var current = Activity.Current; // stopping a span that is not current must not change the current one
        foreach (var (span, topic, startedAt) in _awaitingCommit)
        {
            KafkaTracing.Committed(span, error);
            if (error is null)
            {
                stages.Record(PipelineStages.Send, topic, startedAt);
            }
        }

        _awaitingCommit.Clear();
        Activity.Current = current;
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
}

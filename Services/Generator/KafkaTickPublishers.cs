using System.Diagnostics;
using Confluent.Kafka;
using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;

namespace HpcAspire.Generator;

/// <summary>
/// Hands messages to a long-lived producer with a delivery handler: many in flight, none awaited
/// one at a time. A full local queue is waited out, not dropped. Each message starts its own trace:
/// a send span from hand-over to the broker's ack, its context in the message's headers.
/// </summary>
internal sealed class KafkaPublisher<TValue>(IProducer<string, TValue> producer, string topic, PipelineStages stages, ILogger logger)
{
    private long _failed;
    private int? _partitions;
    private Action<DeliveryReport<string, TValue>>? _onDelivered;

    private Action<DeliveryReport<string, TValue>> OnDeliveredHandler => _onDelivered ??= OnDelivered;

    public long Failed => Interlocked.Read(ref _failed);

    public string Topic => topic;

    public void Send(string key, TValue value)
    {
        var message = new Message<string, TValue> { Key = key, Value = value };
        var startedAt = stages.Start();
        var activity = KafkaTracing.StartSend(topic, message);
        // Messages neither recorded in a trace nor timed (most of them) share one handler instead of a closure each; an
        // activity made only to carry an unsampled trace's context on has nothing to record and is left to the GC.
        var recorded = activity is { IsAllDataRequested: true };
        Send(new TopicPartition(topic, Partition.Any), message, !recorded && startedAt == PipelineStages.NotTimed ? OnDeliveredHandler : report =>
        {
            KafkaTracing.Delivered(activity, report.TopicPartitionOffset, report.Error);
            stages.Record(PipelineStages.Send, topic, startedAt);
            OnDelivered(report);
        });

        // The span lives on until the delivery report; this thread goes back to no trace.
        Activity.Current = null;
    }

    /// <summary>A scheduler clock control record to every partition of the topic (see <see cref="SchedulerClock"/>).</summary>
    public void SendClock(DateTime time)
    {
        _partitions ??= PartitionCount();
        for (var partition = 0; partition < _partitions; partition++)
        {
            Send(new TopicPartition(topic, partition), new Message<string, TValue> { Key = null!, Value = default!, Headers = SchedulerClock.Stamp(time) }, OnDeliveredHandler);
        }
    }

    private void Send(TopicPartition destination, Message<string, TValue> message, Action<DeliveryReport<string, TValue>> onDelivered)
    {
        while (true)
        {
            try
            {
                producer.Produce(destination, message, onDelivered);
                return;
            }
            catch (ProduceException<string, TValue> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    public void Flush(CancellationToken cancellationToken)
    {
        try
        {
            producer.Flush(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the host's flush-on-stop gives the rest its last chance.
        }
    }

    private int PartitionCount()
    {
        using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(30)).Topics.Single();
        return metadata.Error.IsError
            ? throw new InvalidOperationException($"Topic {topic} has no metadata ({metadata.Error.Reason}); the AppHost creates it at start.")
            : metadata.Partitions.Count;
    }

    private void OnDelivered(DeliveryReport<string, TValue> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref _failed);
            logger.LogError("Delivery of {Key} to {Topic} failed: {Reason}", report.Message.Key, topic, report.Error.Reason);
        }
    }
}

internal sealed class KafkaNodeReadingPublisher(KafkaPublisher<NodeReading> publisher) : ITickPublisher
{
    public string Destination => publisher.Topic;

    public ValueTask<int> PublishAsync(ClusterTick tick, CancellationToken cancellationToken)
    {
        foreach (var reading in tick.Readings)
        {
            publisher.Send(reading.NodeId, reading);
        }

        return ValueTask.FromResult(tick.Readings.Count);
    }

    public Task FlushAsync(CancellationToken cancellationToken)
    {
        publisher.Flush(cancellationToken);
        return Task.CompletedTask;
    }
}

internal sealed class KafkaJobEventPublisher(KafkaPublisher<JobEvent> publisher) : ITickPublisher
{
    public string Destination => publisher.Topic;

    public ValueTask<int> PublishAsync(ClusterTick tick, CancellationToken cancellationToken)
    {
        foreach (var jobEvent in tick.JobEvents)
        {
            publisher.Send(jobEvent.JobId, jobEvent);
        }

        publisher.SendClock(tick.Time);
        return ValueTask.FromResult(tick.JobEvents.Count);
    }

    public Task FlushAsync(CancellationToken cancellationToken)
    {
        publisher.Flush(cancellationToken);
        return Task.CompletedTask;
    }
}

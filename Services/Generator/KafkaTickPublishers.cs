using Confluent.Kafka;
using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;

namespace HpcAspire.Generator;

/// <summary>
/// Hands messages to a long-lived producer with a delivery handler: many in flight, none awaited
/// one at a time. A full local queue is waited out, not dropped.
/// </summary>
internal sealed class KafkaPublisher<TValue>(IProducer<string, TValue> producer, string topic, ILogger logger)
{
    private long _failed;

    public long Failed => Interlocked.Read(ref _failed);

    public void Send(string key, TValue value)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, new Message<string, TValue> { Key = key, Value = value }, OnDelivered);
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
    public int Publish(ClusterTick tick)
    {
        foreach (var reading in tick.Readings)
        {
            publisher.Send(reading.NodeId, reading);
        }

        return tick.Readings.Count;
    }

    public void Flush(CancellationToken cancellationToken) => publisher.Flush(cancellationToken);
}

internal sealed class KafkaJobEventPublisher(KafkaPublisher<JobEvent> publisher) : ITickPublisher
{
    public int Publish(ClusterTick tick)
    {
        foreach (var jobEvent in tick.JobEvents)
        {
            publisher.Send(jobEvent.JobId, jobEvent);
        }

        return tick.JobEvents.Count;
    }

    public void Flush(CancellationToken cancellationToken) => publisher.Flush(cancellationToken);
}

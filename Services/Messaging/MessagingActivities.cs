using System.Diagnostics;

namespace HpcAspire.Messaging;

/// <summary>
/// One messaging integration's spans, named and tagged by the OpenTelemetry messaging conventions:
/// <c>send &lt;destination&gt;</c> (Producer) for a message handed to the broker, <c>process
/// &lt;destination&gt;</c> (Consumer) for a message received and handled, and internal spans for
/// the stages of either (serialize, deserialize, …). Broker-specific attributes (partition, offset,
/// routing key) are the transport adapter's to add.
/// </summary>
public sealed class MessagingActivities(string sourceName, string system)
{
    public ActivitySource Source { get; } = new(sourceName);

    public string System => system;

    /// <summary>A Producer span, the child of <paramref name="parent"/> or else of the current activity, or a trace's root.</summary>
    public Activity? StartSend(string destination, ActivityContext parent = default, IEnumerable<ActivityLink>? links = null)
    {
        var activity = Source.StartActivity($"send {destination}", ActivityKind.Producer, parent, tags: null, links);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingAttributes.System, system);
            activity.SetTag(MessagingAttributes.DestinationName, destination);
            activity.SetTag(MessagingAttributes.OperationType, "send");
            activity.SetTag(MessagingAttributes.OperationName, "send");
        }

        return activity;
    }

    /// <summary>A Consumer span for handling one received message, a child of the context the message carried.</summary>
    public Activity? StartProcess(string destination, ActivityContext parent, string? consumerGroup = null)
    {
        var activity = Source.StartActivity($"process {destination}", ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingAttributes.System, system);
            activity.SetTag(MessagingAttributes.DestinationName, destination);
            activity.SetTag(MessagingAttributes.OperationType, "process");
            activity.SetTag(MessagingAttributes.OperationName, "process");
            if (consumerGroup is not null)
            {
                activity.SetTag(MessagingAttributes.ConsumerGroupName, consumerGroup);
            }
        }

        return activity;
    }

    /// <summary>An internal span for one stage of the current message's handling (see <see cref="StartStage(ActivitySource, string)"/>).</summary>
    public Activity? StartStage(string stage) => StartStage(Source, stage);

    /// <summary>
    /// An internal span for one stage of the current message's handling, only when that message's trace
    /// is recorded: under a parent-based sampler the stage of an unsampled trace is never exported, and
    /// creating it anyway (an Activity, and Activity.Current set and restored) cost every message.
    /// </summary>
    public static Activity? StartStage(ActivitySource source, string stage) =>
        Activity.Current is { Recorded: true } ? source.StartActivity(stage, ActivityKind.Internal) : null;
}

/// <summary>The attribute names of the OpenTelemetry messaging conventions this code sets.</summary>
public static class MessagingAttributes
{
    public const string System = "messaging.system";
    public const string DestinationName = "messaging.destination.name";
    public const string OperationType = "messaging.operation.type";
    public const string OperationName = "messaging.operation.name";
    public const string ConsumerGroupName = "messaging.consumer.group.name";
    public const string PartitionId = "messaging.destination.partition.id";
    public const string BodySize = "messaging.message.body.size";
    public const string KafkaMessageKey = "messaging.kafka.message.key";
    public const string KafkaOffset = "messaging.kafka.offset";
    public const string RabbitMQRoutingKey = "messaging.rabbitmq.destination.routing_key";
    public const string RabbitMQDeliveryTag = "messaging.rabbitmq.message.delivery_tag";
}

using Confluent.Kafka;

namespace HpcAspire.Messaging.Kafka;

/// <summary>A value serializer whose work shows as the <c>serialize</c> stage of the message being sent.</summary>
internal sealed class TracedSerializer<T>(ISerializer<T> inner, PipelineStages stages) : ISerializer<T>
{
    public byte[] Serialize(T data, SerializationContext context)
    {
        if (data is null)
        {
            return inner.Serialize(data, context); // a control record (e.g. a scheduler clock) has no body to time
        }

        var startedAt = stages.Start();
        using var activity = KafkaTracing.Activities.StartStage(PipelineStages.Serialize);
        var bytes = inner.Serialize(data, context);
        activity?.SetTag(MessagingAttributes.BodySize, bytes.Length);
        stages.Record(PipelineStages.Serialize, context.Topic, startedAt);
        return bytes;
    }
}

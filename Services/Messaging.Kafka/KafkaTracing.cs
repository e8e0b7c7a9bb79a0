using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using HpcAspire.Framing;

namespace HpcAspire.Messaging.Kafka;

/// <summary>
/// The Kafka integration's spans and stage timings: a Producer span per message sent, whose context
/// travels in the message's headers, and a Consumer span per message processed, the child of that
/// context. Registered by every <c>AddKafka…</c> call; services see only these two operations.
/// </summary>
/// <remarks>
/// A message whose trace is not sampled, under a sampler that follows the parent (<paramref name="parentDecides"/>,
/// see <see cref="MessageTracing.ParentDecides"/>), is handled with no span at all: its spans would never be recorded,
/// and creating them (an Activity, the sampler asked, the context parsed and formatted again) cost every such message,
/// 99 % of them when 1 % of traces are kept. Its results carry its <c>traceparent</c> on as it came
/// (<see cref="ContinueUnsampled"/>), so the trace stays one, and stays unsampled, to the end.
/// </remarks>
public sealed class KafkaTracing(PipelineStages stages, bool parentDecides = true)
{
    public const string ActivitySourceName = "HpcAspire.Messaging.Kafka";
    public const string TraceParentHeader = "traceparent";

    public static MessagingActivities Activities { get; } = new(ActivitySourceName, "kafka");

    public PipelineStages Stages => stages;

    /// <summary>
    /// Starts the span of sending <paramref name="message"/> and writes its context into the message's
    /// headers. The caller produces the message with the span current and stops it on delivery.
    /// </summary>
    public static Activity? StartSend<TKey, TValue>(string topic, Message<TKey, TValue> message, ActivityContext parent = default,
        IEnumerable<ActivityLink>? links = null)
    {
        var activity = Activities.StartSend(topic, parent, links);
        if (activity is null)
        {
            return null;
        }

        if (activity.IsAllDataRequested && message.Key is string key)
        {
            activity.SetTag(MessagingAttributes.KafkaMessageKey, key);
        }

        message.Headers ??= [];
        if (MessageTracing.TraceParentAlone(activity))
        {
            // The one header the propagator would write, written as bytes straight away.
            SetTraceParent(message.Headers, MessageTracing.TraceParent(activity.Context));
        }
        else
        {
            MessageTracing.Inject(activity, message.Headers, SetHeader);
        }

        return activity;
    }

    /// <summary>
    /// Gives <paramref name="message"/> the <c>traceparent</c> of an unsampled message it results from, and no span:
    /// downstream sees the same trace, still not sampled.
    /// </summary>
    public static void ContinueUnsampled<TKey, TValue>(Message<TKey, TValue> message, byte[] traceparent)
    {
        message.Headers ??= [];
        SetTraceParent(message.Headers, traceparent);
    }

    private static void SetTraceParent(Headers headers, byte[] traceparent)
    {
        if (headers.Count > 0) // a new message's headers are empty, and Remove makes a predicate and its closure even then
        {
            headers.Remove(TraceParentHeader);
        }

        headers.Add(TraceParentHeader, traceparent);
    }

    /// <summary>Ends a send span with what the broker said: partition and offset, or the error.</summary>
    public static void Delivered(Activity? activity, TopicPartitionOffset position, Error error)
    {
        if (activity is null)
        {
            return;
        }

        if (error.IsError)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Reason);
            activity.SetTag("error.type", error.Code.ToString());
        }
        else if (activity.IsAllDataRequested)
        {
            activity.SetTag(MessagingAttributes.PartitionId, position.Partition.Value.ToString(CultureInfo.InvariantCulture));
            activity.SetTag(MessagingAttributes.KafkaOffset, position.Offset.Value);
        }

        activity.Stop();
    }

    /// <summary>
    /// Ends a send span of a transactional producer without delivery reports when its transaction ends: committed
    /// (<paramref name="error"/> null), the message then visible to <c>read_committed</c> readers, or not.
    /// </summary>
    public static void Committed(Activity? activity, string? error)
    {
        if (activity is null)
        {
            return;
        }

        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error);
            activity.SetTag("error.type", "transaction_not_committed");
        }

        activity.Stop();
    }

    /// <summary>
    /// Starts the span of processing a received message, the child of the context in its headers, and
    /// records how long the message waited in Kafka.
    /// </summary>
    public Activity? StartProcess(ConsumeResult<string?, byte[]> result, string? consumerGroup) => StartProcess(result, consumerGroup, out _);

    /// <summary>
    /// As <see cref="StartProcess(ConsumeResult{string?, byte[]}, string?)"/>; a message whose unsampled trace gets no
    /// span here gives its <c>traceparent</c> in <paramref name="unsampled"/>, for its results to carry on.
    /// </summary>
    public Activity? StartProcess(ConsumeResult<string?, byte[]> result, string? consumerGroup, out byte[]? unsampled)
    {
        if (result.Message.Timestamp.Type != TimestampType.NotAvailable)
        {
            stages.RecordBrokerWait(result.Topic, result.Message.Timestamp.UtcDateTime);
        }

        unsampled = UnsampledTraceParent(result.Message.Headers);
        if (unsampled is not null)
        {
            MessageTracing.ClearBaggage();
            return null;
        }

        var parent = result.Message.Headers is { } headers ? MessageTracing.Extract(headers, GetHeader) : default;
        var activity = Activities.StartProcess(result.Topic, parent, consumerGroup);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingAttributes.PartitionId, result.Partition.Value.ToString(CultureInfo.InvariantCulture));
            activity.SetTag(MessagingAttributes.KafkaOffset, result.Offset.Value);
            activity.SetTag(MessagingAttributes.BodySize, result.Message.Value?.Length ?? 0);
            if (result.Message.Key is { } key)
            {
                activity.SetTag(MessagingAttributes.KafkaMessageKey, key);
            }
        }

        return activity;
    }

    /// <summary>Decodes a received message as the <c>deserialize</c> stage of its processing.</summary>
    public DecodedMessage<T> Decode<T>(AvroMessageDecoder<T> decoder, ConsumeResult<string?, byte[]> result)
        where T : Avro.Specific.ISpecificRecord, new() =>
        Deserialize(result.Topic, (decoder, result.Message.Value), static s => s.decoder.DecodeAsync(s.Value).GetAwaiter().GetResult());

    /// <summary>Runs <paramref name="read"/> on <paramref name="state"/> as the <c>deserialize</c> stage of a received message's processing.</summary>
    public TResult Deserialize<TState, TResult>(string topic, TState state, Func<TState, TResult> read)
    {
        var startedAt = stages.Start();
        using (Activities.StartStage(PipelineStages.Deserialize))
        {
            var value = read(state);
            stages.Record(PipelineStages.Deserialize, topic, startedAt);
            return value;
        }
    }

    /// <summary>A serializer whose work shows as the <c>serialize</c> stage of the message being sent.</summary>
    public ISerializer<T> Traced<T>(ISerializer<T> serializer) => new TracedSerializer<T>(serializer, stages);

    /// <summary>The context a received message carries, to continue its trace later (e.g. when its result is sent).</summary>
    public static ActivityContext ContextOf(Headers? headers) =>
        headers is null ? default : MessageTracing.Extract(headers, GetHeader);

    /// <summary>
    /// The <c>traceparent</c> of a message handled without spans: its trace is not sampled, the sampler follows the
    /// parent, and it carries no <c>tracestate</c> or baggage (which only the propagator reads). Null otherwise.
    /// </summary>
    private byte[]? UnsampledTraceParent(Headers? headers)
    {
        if (!parentDecides || headers is null || !headers.TryGetLastBytes(TraceParentHeader, out var traceparent) || !MessageTracing.IsUnsampled(traceparent))
        {
            return null;
        }

        for (var i = 0; i < headers.Count; i++)
        {
            if (headers[i].Key is "tracestate" or "baggage")
            {
                return null;
            }
        }

        return traceparent;
    }

    private static void SetHeader(Headers headers, string name, string value)
    {
        headers.Remove(name);
        headers.Add(name, Encoding.UTF8.GetBytes(value));
    }

    private static IEnumerable<string>? GetHeader(Headers headers, string name) =>
        headers.TryGetLastBytes(name, out var bytes) ? [Encoding.UTF8.GetString(bytes)] : null;
}

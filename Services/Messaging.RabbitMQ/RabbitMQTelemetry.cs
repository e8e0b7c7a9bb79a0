using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;

namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>
/// The RabbitMQ integration's spans (the same <c>send</c>/<c>process</c> spans and stage timings as Kafka's, so the
/// two applications compare side by side), its counters, and the trace context in AMQP headers.
/// </summary>
public sealed class RabbitMQTelemetry
{
    public const string ActivitySourceName = "HpcAspire.Messaging.RabbitMQ";
    public const string MeterName = "HpcAspire.Messaging.RabbitMQ";

    /// <summary>When the publisher handed the message over, in Unix milliseconds (AMQP's timestamp has only seconds).</summary>
    public const string PublishedAtHeader = "x-hpc-published-at";

    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _publishFailures;
    private readonly Counter<long> _handlerFailures;

    public RabbitMQTelemetry(PipelineStages stages, IMeterFactory meterFactory)
    {
        Stages = stages;
        var meter = meterFactory.Create(MeterName);
        _deadLettered = meter.CreateCounter<long>("hpcaspire.messages.dead_lettered", "{message}",
            "Messages a service sent to the dead-letter exchange instead of processing them.");
        _publishFailures = meter.CreateCounter<long>("messaging.rabbitmq.publish.failures", "{message}",
            "Messages the broker nacked or returned, or whose channel closed before their confirm.");
        _handlerFailures = meter.CreateCounter<long>("messaging.rabbitmq.process.failures", "{message}",
            "Deliveries whose handler threw; the message was returned to its queue, which dead-letters it past the delivery limit.");
    }

    public static MessagingActivities Activities { get; } = new(ActivitySourceName, "rabbitmq");

    public PipelineStages Stages { get; }

    internal void DeadLettered(string queue, string reason) => _deadLettered.Add(1,
        new KeyValuePair<string, object?>(MessagingAttributes.DestinationName, queue), new KeyValuePair<string, object?>("reason", reason));

    internal void PublishFailed(string exchange) => _publishFailures.Add(1, new KeyValuePair<string, object?>(MessagingAttributes.DestinationName, exchange));

    internal void HandlerFailed(string queue) => _handlerFailures.Add(1, new KeyValuePair<string, object?>(MessagingAttributes.DestinationName, queue));

    /// <summary>The trace context a message's headers carry, to continue its trace later (e.g. when its result is sent).</summary>
    public static ActivityContext ContextOf(IDictionary<string, object?>? headers) =>
        headers is null ? default : MessageTracing.Extract(headers, GetHeader);

    /// <summary>A Unix-milliseconds header as UTC time; null when it is missing, not a number, or out of range.</summary>
    internal static DateTime? ReadUnixMilliseconds(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) && value is long milliseconds
        && milliseconds >= DateTimeOffset.MinValue.ToUnixTimeMilliseconds() && milliseconds <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds).UtcDateTime
            : null;

    internal static void SetHeader(IDictionary<string, object?> headers, string name, string value) => headers[name] = value;

    /// <summary>A header as text: the client receives AMQP long strings as bytes.</summary>
    internal static string? HeaderText(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value)
            ? value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                string text => text,
                null => null,
                _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
            }
            : null;

    private static IEnumerable<string>? GetHeader(IDictionary<string, object?> headers, string name) =>
        HeaderText(headers, name) is { } text ? [text] : null;
}

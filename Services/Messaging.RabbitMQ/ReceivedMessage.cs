using System.Diagnostics;
using RabbitMQ.Client;

namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>
/// One delivery as a handler sees it. <see cref="Body"/> is the client's buffer, valid only until the handler
/// returns: copy what you keep. <see cref="DeliveryTag"/> is what the consumer acks through once the work is durable.
/// </summary>
public sealed class ReceivedMessage
{
    internal ReceivedMessage(IChannel session, string queue, string routingKey, ulong deliveryTag, bool redelivered, ReadOnlyMemory<byte> body,
        IDictionary<string, object?>? headers, ActivityContext traceContext)
    {
        Session = session;
        Queue = queue;
        RoutingKey = routingKey;
        DeliveryTag = deliveryTag;
        Redelivered = redelivered;
        Body = body;
        Headers = headers;
        TraceContext = traceContext;
    }

    /// <summary>The channel it came on: its delivery tag means something only there.</summary>
    internal IChannel Session { get; }

    public string Queue { get; }

    public string RoutingKey { get; }

    public ulong DeliveryTag { get; }

    /// <summary>The broker delivered this message before, unacked: the work may have been done already.</summary>
    public bool Redelivered { get; }

    public ReadOnlyMemory<byte> Body { get; }

    public IDictionary<string, object?>? Headers { get; }

    /// <summary>The trace the message carried, to link the results sent on its behalf.</summary>
    public ActivityContext TraceContext { get; }

    /// <summary>A header as text (the client receives AMQP strings as bytes), or null.</summary>
    public string? HeaderText(string name) => RabbitMQTelemetry.HeaderText(Headers, name);
}

using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace HpcAspire.Messaging;

/// <summary>
/// A trace's context carried inside a message, in whatever a transport has for metadata (Kafka
/// headers, RabbitMQ properties): W3C <c>traceparent</c>/<c>tracestate</c> and baggage, written and
/// read by OpenTelemetry's default propagator.
/// </summary>
public static class MessageTracing
{
    /// <summary>Writes <paramref name="activity"/>'s context and the current baggage; nothing when there is no activity.</summary>
    public static void Inject<TCarrier>(Activity? activity, TCarrier carrier, Action<TCarrier, string, string> set)
    {
        if (activity is null)
        {
            return;
        }

        Propagators.DefaultTextMapPropagator.Inject(new PropagationContext(activity.Context, Baggage.Current), carrier, set);
    }

    /// <summary>The context a message carries, or an empty one; its baggage becomes current for the message's handling.</summary>
    public static ActivityContext Extract<TCarrier>(TCarrier carrier, Func<TCarrier, string, IEnumerable<string>?> get)
    {
        var context = Propagators.DefaultTextMapPropagator.Extract(default, carrier, get);
        if (context.Baggage != Baggage.Current)
        {
            Baggage.Current = context.Baggage; // an AsyncLocal write: skipped when nothing changes, as for most messages
        }

        return context.ActivityContext;
    }
}

using System.Diagnostics;
using System.Text;
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

    /// <summary>
    /// Whether <paramref name="activity"/>'s context is its <c>traceparent</c> alone: no trace state and no baggage, the
    /// propagator's other two headers. Then <see cref="TraceParent"/> writes all there is to carry.
    /// </summary>
    public static bool TraceParentAlone(Activity activity) => activity.TraceStateString is null && Baggage.Current.Count == 0;

    /// <summary>The W3C <c>traceparent</c> (version 00) of <paramref name="context"/> in UTF-8, as the propagator writes it.</summary>
    public static byte[] TraceParent(in ActivityContext context)
    {
        // The ids keep their lower-case hex (ToHexString allocates nothing), so it is only narrowed to bytes;
        // CopyTo would parse that hex back into the id's bytes first.
        var traceparent = new byte[55];
        "00-"u8.CopyTo(traceparent);
        Encoding.ASCII.GetBytes(context.TraceId.ToHexString(), traceparent.AsSpan(3, 32));
        traceparent[35] = (byte)'-';
        Encoding.ASCII.GetBytes(context.SpanId.ToHexString(), traceparent.AsSpan(36, 16));
        traceparent[52] = (byte)'-';
        traceparent[53] = (byte)'0';
        traceparent[54] = context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? (byte)'1' : (byte)'0';
        return traceparent;
    }

    /// <summary>
    /// Whether a parent's "not sampled" is final for its children under the sampler named the way the OpenTelemetry SDK
    /// reads it (<c>OTEL_TRACES_SAMPLER</c>): so under the SDK's default (parent-based, always on), every
    /// <c>parentbased_*</c> sampler and <c>always_off</c>; not under <c>always_on</c> or <c>traceidratio</c>, which
    /// decide afresh for every span.
    /// </summary>
    public static bool ParentDecides(string? sampler) =>
        string.IsNullOrWhiteSpace(sampler)
        || sampler.Trim().StartsWith("parentbased_", StringComparison.OrdinalIgnoreCase)
        || sampler.Trim().Equals("always_off", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a W3C <c>traceparent</c> (version 00, UTF-8) is valid and says its trace is not sampled. Anything else,
    /// a sampled or malformed one included, is false: it goes through the propagator as before.
    /// </summary>
    public static bool IsUnsampled(ReadOnlySpan<byte> traceparent)
    {
        // 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>
        if (traceparent.Length != 55 || traceparent[0] != '0' || traceparent[1] != '0'
            || traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-')
        {
            return false;
        }

        return IsNonZeroHex(traceparent[3..35]) && IsNonZeroHex(traceparent[36..52])
            && IsHex(traceparent[53]) && HexValue(traceparent[54]) is { } low && (low & 1) == 0;
    }

    /// <summary>Empties the current baggage, for a message handled without its context extracted (it carried none).</summary>
    public static void ClearBaggage()
    {
        if (Baggage.Current.Count > 0)
        {
            Baggage.Current = default;
        }
    }

    private static bool IsNonZeroHex(ReadOnlySpan<byte> digits)
    {
        var nonZero = false;
        foreach (var digit in digits)
        {
            if (HexValue(digit) is not { } value)
            {
                return false;
            }

            nonZero |= value != 0;
        }

        return nonZero;
    }

    private static bool IsHex(byte digit) => HexValue(digit) is not null;

    // Lower-case only, as W3C Trace Context requires.
    private static int? HexValue(byte digit) => digit switch
    {
        >= (byte)'0' and <= (byte)'9' => digit - '0',
        >= (byte)'a' and <= (byte)'f' => digit - 'a' + 10,
        _ => null,
    };

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

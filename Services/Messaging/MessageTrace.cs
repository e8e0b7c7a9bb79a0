using System.Diagnostics;

namespace HpcAspire.Messaging;

/// <summary>
/// The trace a received message's results continue: the message's recorded process span, or, for a message of an
/// unsampled trace that got no span, the <c>traceparent</c> it came with (its results carry it on unchanged).
/// Empty when there is nothing to continue.
/// </summary>
public readonly record struct MessageTrace(ActivityContext Recorded, byte[]? Unsampled)
{
    public bool IsEmpty => Recorded == default && Unsampled is null;

    /// <summary>The trace of a message handled in <paramref name="process"/> (or, with no span, with <paramref name="unsampled"/>).</summary>
    public static MessageTrace Of(Activity? process, byte[]? unsampled = null) =>
        process is { Recorded: true } ? new(process.Context, null)
        : unsampled is not null ? new(default, unsampled)
        : default;
}

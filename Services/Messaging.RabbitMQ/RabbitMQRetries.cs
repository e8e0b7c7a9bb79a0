namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>
/// Marks a message a publisher sent again because the broker had not confirmed it: it may be a copy of one that
/// got through. A consumer treats such a message (and one the broker redelivered) that its state already covers as
/// a copy to skip and count, not as bad input to dead-letter.
/// </summary>
public static class RabbitMQRetries
{
    public const string Header = "x-hpc-retry";

    /// <summary>True when the message may have been seen before: redelivered by the broker, or published again.</summary>
    public static bool MayBeCopy(ReceivedMessage message) =>
        message.Redelivered || (message.Headers is { } headers && headers.ContainsKey(Header));
}

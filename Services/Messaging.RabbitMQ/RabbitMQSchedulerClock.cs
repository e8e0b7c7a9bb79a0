namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>
/// The job-event generator's progress over RabbitMQ: after each tick, one message with an empty body, routed
/// <see cref="HpcTopology.SchedulerClockKey"/>, with the tick's time in this header. It reaches every processor
/// instance's job-event queue behind the job events of its tick (one publisher channel, one queue: AMQP keeps their
/// order), so a clock of T there means every job event up to T has been received: the watermark of the Kafka application.
/// </summary>
public static class RabbitMQSchedulerClock
{
    public const string Header = "hpc-scheduler-clock";

    public static KeyValuePair<string, object?>[] Stamp(DateTime time) =>
        [new(Header, new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds())];

    /// <summary>The clock time of a control message, or null for an ordinary one.</summary>
    public static DateTime? Read(ReceivedMessage message) => RabbitMQTelemetry.ReadUnixMilliseconds(message.Headers, Header);
}

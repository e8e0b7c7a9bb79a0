namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>
/// Headers of a message a service dead-lettered itself (<see cref="RabbitMQConsumer.DeadLetterAsync"/>). Messages the
/// broker dead-letters (rejected, or past the delivery limit) carry the broker's own <c>x-death</c> and
/// <c>x-first-death-reason</c> instead.
/// </summary>
public static class DeadLetterHeaders
{
    public const string Reason = "x-hpc-dlq-reason";
    public const string Error = "x-hpc-dlq-error";
    public const string SourceQueue = "x-hpc-dlq-source-queue";
    public const string SourceRoutingKey = "x-hpc-dlq-source-routing-key";
    public const string Service = "x-hpc-dlq-service";

    /// <summary>
    /// For a batch message dead-lettered for one of its records: that record's index (0-based). The message is
    /// dead-lettered whole, once per bad record; its other records were processed.
    /// </summary>
    public const string Record = "x-hpc-dlq-record";
}

namespace HpcAspire.Messaging;

/// <summary>
/// Why a service dead-lettered a message: the one vocabulary of every service on every transport, carried as its name in
/// the <see cref="DeadLetterHeaders.Reason"/> header.
/// </summary>
public enum DeadLetterReason
{
    /// <summary>Shorter than the 5-byte frame, or a first byte other than the Confluent magic byte 0.</summary>
    NotConfluentFramed,

    /// <summary>The registry does not know the schema id in the frame (error 40403).</summary>
    UnknownSchemaId,

    /// <summary>Framed and registered, but the Avro body is truncated, corrupt or unreadable as the expected record.</summary>
    UndecodableBody,

    /// <summary>A reading the domain refuses: an unknown node, a negative power, a time before its node's last.</summary>
    InvalidReading,

    /// <summary>A job event the domain refuses: the end of a job that never started, a node out of the cluster.</summary>
    InvalidJobEvent,

    /// <summary>A result (enriched reading, job energy) the sink refuses to store: missing identity, impossible values.</summary>
    InvalidResult,

    /// <summary>A reading on another reading shard than its node's (RabbitMQ): joined there, its order would be chance.</summary>
    WrongShard,

    /// <summary>A message whose routing key names no result kind the sink stores (RabbitMQ).</summary>
    UnknownRoutingKey,
}

/// <summary>
/// The headers of a message a service dead-lettered, on every transport: the message as it came, plus these. Kafka's
/// carry the source topic, partition and offset; RabbitMQ's the source queue and routing key.
/// </summary>
public static class DeadLetterHeaders
{
    /// <summary>The <see cref="DeadLetterReason"/>'s name.</summary>
    public const string Reason = "dlq.reason";

    /// <summary>What was wrong, for a person: the value and the rule it broke.</summary>
    public const string Error = "dlq.error";

    /// <summary>The service that dead-lettered it.</summary>
    public const string Service = "dlq.service";

    /// <summary>
    /// For a batch message dead-lettered for one of its records: that record's index (0-based). The message is
    /// dead-lettered whole, once per bad record; its other records were processed.
    /// </summary>
    public const string Record = "dlq.record";

    public const string SourceTopic = "dlq.source.topic";
    public const string SourcePartition = "dlq.source.partition";
    public const string SourceOffset = "dlq.source.offset";
    public const string SourceQueue = "dlq.source.queue";
    public const string SourceRoutingKey = "dlq.source.routing-key";
}

namespace HpcAspire.Messaging.Kafka;

/// <summary>Why a message's value could not be read; the machine-readable kind a dead letter carries.</summary>
public enum UndecodableReason
{
    /// <summary>Shorter than the 5-byte frame, or a first byte other than the Confluent magic byte 0.</summary>
    NotConfluentFramed,

    /// <summary>The registry does not know the schema id in the frame (error 40403).</summary>
    UnknownSchemaId,

    /// <summary>Framed and registered, but the Avro body is truncated, corrupt or unreadable as the expected record.</summary>
    UndecodableBody,
}

/// <summary>A decoded value, or why there is none; a bad message is a result, not an exception.</summary>
public readonly record struct DecodedMessage<T>(T? Value, UndecodableReason? Failure, string? Error)
{
    public bool IsDecoded => Failure is null;

    public static DecodedMessage<T> Decoded(T value) => new(value, null, null);

    public static DecodedMessage<T> Undecodable(UndecodableReason reason, string error) => new(default, reason, error);
}

/// <summary>The records of a message that holds one or a batch of them, or why there are none.</summary>
public readonly record struct DecodedBatch<T>(IReadOnlyList<T>? Value, bool IsBatch, UndecodableReason? Failure, string? Error)
{
    public bool IsDecoded => Failure is null;

    public static DecodedBatch<T> Decoded(IReadOnlyList<T> records, bool isBatch) => new(records, isBatch, null, null);

    public static DecodedBatch<T> Undecodable(UndecodableReason reason, string error) => new(null, false, reason, error);
}

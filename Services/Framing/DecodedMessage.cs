using HpcAspire.Messaging;

namespace HpcAspire.Framing;

/// <summary>
/// A decoded value, or why there is none (<see cref="DeadLetterReason.NotConfluentFramed"/>,
/// <see cref="DeadLetterReason.UnknownSchemaId"/> or <see cref="DeadLetterReason.UndecodableBody"/>); a bad message is a result, not an exception.
/// </summary>
public readonly record struct DecodedMessage<T>(T? Value, DeadLetterReason? Failure, string? Error)
{
    public bool IsDecoded => Failure is null;

    public static DecodedMessage<T> Decoded(T value) => new(value, null, null);

    public static DecodedMessage<T> Undecodable(DeadLetterReason reason, string error) => new(default, reason, error);
}

/// <summary>The records of a message that holds one or a batch of them, or why there are none.</summary>
public readonly record struct DecodedBatch<T>(IReadOnlyList<T>? Value, bool IsBatch, DeadLetterReason? Failure, string? Error)
{
    public bool IsDecoded => Failure is null;

    public static DecodedBatch<T> Decoded(IReadOnlyList<T> records, bool isBatch) => new(records, isBatch, null, null);

    public static DecodedBatch<T> Undecodable(DeadLetterReason reason, string error) => new(null, false, reason, error);
}

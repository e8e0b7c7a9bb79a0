namespace HpcAspire.Sink.Storage;

/// <summary>When a partition's CSV file is closed and the next one started.</summary>
public sealed record FileRotation(long MaxBytes, TimeSpan MaxAge);

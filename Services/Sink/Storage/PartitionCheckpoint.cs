using HpcAspire.Domain.Storage;
using System.Text.Json;

namespace HpcAspire.Sink.Storage;

/// <summary>
/// What of a partition is durably on disk: the file being written, how many of its bytes are
/// complete rows, and the offset of the first message not yet in any file. It is the source of truth
/// on restart; Kafka's committed offset only follows it. <c>Written</c> is the latest result time per
/// key in those rows, so copies of them arriving at later offsets are recognised.
/// </summary>
public sealed record PartitionCheckpoint(string? File, long Length, long NextOffset, IReadOnlyDictionary<string, DateTime>? Written = null)
{
    public const string FileName = "checkpoint.json";

    public static PartitionCheckpoint? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        return System.IO.File.Exists(path)
            ? JsonSerializer.Deserialize<PartitionCheckpoint>(System.IO.File.ReadAllBytes(path))
                ?? throw new InvalidDataException($"{path} is empty.")
            : null;
    }

    public void Write(string directory) =>
        DurableFileSystem.ReplaceAtomically(Path.Combine(directory, FileName), JsonSerializer.SerializeToUtf8Bytes(this));
}

using System.Globalization;
using System.Text;
using HpcAspire.Domain.Storage;

namespace HpcAspire.Sink.Storage;

/// <summary>
/// One partition's rows as a series of CSV files in its own directory, each starting with the header
/// and named by its first offset and creation time (<c>000000000123-20260101T000000Z.csv</c>), so the
/// names sort in offset order. Rows are buffered; <see cref="Checkpoint"/> makes them durable and
/// records how far they go. Opening a directory recovers it to its last checkpoint: rows written
/// after it are cut off (the messages will be read again), so no row is ever there twice. A result
/// already written, come again at a later offset (a replayed or aborted transaction's copy), is
/// skipped by its identity. Every file holds rows of its own header only: a file written under other
/// columns (an earlier version of the sink) is left as it is, and the next row starts a new file.
/// </summary>
public sealed class PartitionCsvFiles : IDisposable
{
    private const string Extension = ".csv";
    private const int BufferSize = 64 * 1024;
    private const string CreatedFormat = "yyyyMMdd'T'HHmmss'Z'";

    private readonly string directory;
    private readonly byte[] header;
    private readonly FileRotation rotation;
    private readonly TimeProvider clock;
    private readonly TimeSpan duplicateWindow;

    private WrittenResults written;
    private FileStream? current;
    private string? currentName;
    private DateTimeOffset currentCreated;
    private long currentLength;
    private long? nextOffset;
    private bool dirty;

    private PartitionCsvFiles(string directory, IEnumerable<string> header, FileRotation rotation, TimeSpan duplicateWindow, TimeProvider clock)
    {
        this.directory = directory;
        this.header = Encoding.UTF8.GetBytes(CsvFormat.Record(header));
        this.rotation = rotation;
        this.clock = clock;
        this.duplicateWindow = duplicateWindow;
        written = new WrittenResults(duplicateWindow);
    }

    /// <summary>Offset of the next message this partition expects; null before its first checkpoint (start where Kafka says).</summary>
    public long? NextOffset => nextOffset;

    public string Directory => directory;

    /// <summary>
    /// Opens a partition's directory, cutting it back to its last checkpoint. Results are recognised
    /// as copies for <paramref name="duplicateWindow"/> of data time after their key was last written.
    /// </summary>
    public static PartitionCsvFiles Open(string directory, IEnumerable<string> header, FileRotation rotation, TimeSpan duplicateWindow, TimeProvider clock)
    {
        DurableFileSystem.CreateDirectory(directory);
        var files = new PartitionCsvFiles(directory, header, rotation, duplicateWindow, clock);
        files.Recover(PartitionCheckpoint.Read(directory));
        return files;
    }

    /// <summary>False when the message at <paramref name="offset"/> is already behind the checkpointed or written position.</summary>
    public bool Expects(long offset) => nextOffset is not { } next || offset >= next;

    /// <summary>
    /// Writes the record of the message at <paramref name="offset"/>. A message already written, or a
    /// result already held under another offset, is not (returns false); the latter is moved past.
    /// </summary>
    public bool Append(long offset, ResultIdentity result, string record)
    {
        if (!Expects(offset))
        {
            return false;
        }

        if (!written.Add(result))
        {
            Skip(offset);
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(record);
        if (current is not null && currentLength > header.Length &&
            (currentLength + bytes.Length > rotation.MaxBytes || clock.GetUtcNow() - currentCreated >= rotation.MaxAge))
        {
            Rotate();
        }

        if (current is null)
        {
            StartFile(offset);
        }

        current!.Write(bytes);
        currentLength += bytes.Length;
        nextOffset = offset + 1;
        dirty = true;
        return true;
    }

    /// <summary>Moves past a message that has no row (it was dead-lettered), so a restart does not read it again.</summary>
    public void Skip(long offset)
    {
        if (Expects(offset))
        {
            nextOffset = offset + 1;
            dirty = true;
        }
    }

    /// <summary>Flushes and fsyncs the rows, then atomically records the file, its length and the next offset.</summary>
    public PartitionCheckpoint? Checkpoint()
    {
        if (!dirty || nextOffset is not { } next)
        {
            return null;
        }

        current?.Flush(flushToDisk: true);
        var checkpoint = new PartitionCheckpoint(currentName, currentLength, next, written.Snapshot());
        checkpoint.Write(directory);
        dirty = false;
        return checkpoint;
    }

    /// <summary>Closes without a checkpoint: what was written since the last one will be cut off when it is opened again.</summary>
    public void Dispose() => CloseCurrent();

    /// <summary>The data files of a partition directory, oldest first.</summary>
    public static IReadOnlyList<string> DataFiles(string directory) =>
        System.IO.Directory.Exists(directory)
            ? System.IO.Directory.GetFiles(directory, "*" + Extension).Order(StringComparer.Ordinal).ToList()
            : [];

    private void Recover(PartitionCheckpoint? checkpoint)
    {
        var removed = false;
        foreach (var file in DataFiles(directory))
        {
            // Files begun after the checkpoint hold only rows that will be read again.
            if (checkpoint?.File is not { } kept || string.CompareOrdinal(Path.GetFileName(file), kept) > 0)
            {
                File.Delete(file);
                removed = true;
            }
        }

        nextOffset = checkpoint?.NextOffset;
        written = new WrittenResults(duplicateWindow, checkpoint?.Written);
        if (checkpoint?.File is { } name && File.Exists(Path.Combine(directory, name)))
        {
            current = new FileStream(Path.Combine(directory, name), FileMode.Open, FileAccess.Write, FileShare.Read, BufferSize);
            current.SetLength(checkpoint.Length); // drops rows (and a half-written line) after the checkpoint
            current.Flush(flushToDisk: true);
            current.Seek(0, SeekOrigin.End);
            currentName = name;
            currentLength = checkpoint.Length;
            currentCreated = CreatedTimeOf(name);
            if (!StartsWithHeader(Path.Combine(directory, name)))
            {
                // Written before the columns changed: it stays as it is, and the next row starts a file with its own header.
                CloseCurrent();
            }
        }

        if (removed)
        {
            DurableFileSystem.SyncDirectory(directory);
        }
    }

    private bool StartsWithHeader(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var start = new byte[header.Length];
        return file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) == start.Length && start.AsSpan().SequenceEqual(header);
    }

    private void Rotate()
    {
        // The next checkpoint names only the newest file, so a closed one must be durable as it closes.
        current!.Flush(flushToDisk: true);
        CloseCurrent();
    }

    private void StartFile(long firstOffset)
    {
        currentCreated = clock.GetUtcNow();
        // 12 digits keep names sorting in offset order up to 10^12 messages per partition.
        currentName = string.Create(CultureInfo.InvariantCulture, $"{firstOffset:D12}-{currentCreated.UtcDateTime.ToString(CreatedFormat, CultureInfo.InvariantCulture)}{Extension}");
        current = new FileStream(Path.Combine(directory, currentName), FileMode.Create, FileAccess.Write, FileShare.Read, BufferSize);
        current.Write(header);
        currentLength = header.Length;
        DurableFileSystem.SyncDirectory(directory); // the checkpoint will name this file: its entry must outlive a crash
    }

    private void CloseCurrent()
    {
        current?.Dispose();
        current = null;
    }

    private static DateTimeOffset CreatedTimeOf(string name) =>
        DateTime.TryParseExact(name.Split('-', '.')[1], CreatedFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var created)
            ? new DateTimeOffset(created, TimeSpan.Zero)
            : DateTimeOffset.MinValue;
}

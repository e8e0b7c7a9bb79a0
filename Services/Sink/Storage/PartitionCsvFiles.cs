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

    private readonly string _directory;
    private readonly byte[] _header;
    private readonly FileRotation _rotation;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _duplicateWindow;

    private WrittenResults _written;
    private FileStream? _current;
    private string? _currentName;
    private DateTimeOffset _currentCreated;
    private long _currentLength;
    private long? _nextOffset;
    private bool _dirty;

    private PartitionCsvFiles(string directory, IEnumerable<string> header, FileRotation rotation, TimeSpan duplicateWindow, TimeProvider clock)
    {
        this._directory = directory;
        this._header = Encoding.UTF8.GetBytes(CsvFormat.Record(header));
        this._rotation = rotation;
        this._clock = clock;
        this._duplicateWindow = duplicateWindow;
        _written = new WrittenResults(duplicateWindow);
    }

    /// <summary>Offset of the next message this partition expects; null before its first checkpoint (start where Kafka says).</summary>
    public long? NextOffset => _nextOffset;

    public string Directory => _directory;

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
    public bool Expects(long offset) => _nextOffset is not { } next || offset >= next;

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

        if (!_written.Add(result))
        {
            Skip(offset);
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(record);
        if (_current is not null && _currentLength > _header.Length &&
            (_currentLength + bytes.Length > _rotation.MaxBytes || _clock.GetUtcNow() - _currentCreated >= _rotation.MaxAge))
        {
            Rotate();
        }

        if (_current is null)
        {
            StartFile(offset);
        }

        _current!.Write(bytes);
        _currentLength += bytes.Length;
        _nextOffset = offset + 1;
        _dirty = true;
        return true;
    }

    /// <summary>Moves past a message that has no row (it was dead-lettered), so a restart does not read it again.</summary>
    public void Skip(long offset)
    {
        if (Expects(offset))
        {
            _nextOffset = offset + 1;
            _dirty = true;
        }
    }

    /// <summary>Flushes and fsyncs the rows, then atomically records the file, its length and the next offset.</summary>
    public PartitionCheckpoint? Checkpoint()
    {
        if (!_dirty || _nextOffset is not { } next)
        {
            return null;
        }

        _current?.Flush(flushToDisk: true);
        var checkpoint = new PartitionCheckpoint(_currentName, _currentLength, next, _written.Snapshot());
        checkpoint.Write(_directory);
        _dirty = false;
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
        foreach (var file in DataFiles(_directory))
        {
            // Files begun after the checkpoint hold only rows that will be read again.
            if (checkpoint?.File is not { } kept || string.CompareOrdinal(Path.GetFileName(file), kept) > 0)
            {
                File.Delete(file);
                removed = true;
            }
        }

        _nextOffset = checkpoint?.NextOffset;
        _written = new WrittenResults(_duplicateWindow, checkpoint?.Written);
        if (checkpoint?.File is { } name && File.Exists(Path.Combine(_directory, name)))
        {
            _current = new FileStream(Path.Combine(_directory, name), FileMode.Open, FileAccess.Write, FileShare.Read, BufferSize);
            _current.SetLength(checkpoint.Length); // drops rows (and a half-written line) after the checkpoint
            _current.Flush(flushToDisk: true);
            _current.Seek(0, SeekOrigin.End);
            _currentName = name;
            _currentLength = checkpoint.Length;
            _currentCreated = CreatedTimeOf(name);
            if (!StartsWithHeader(Path.Combine(_directory, name)))
            {
                // Written before the columns changed: it stays as it is, and the next row starts a file with its own header.
                CloseCurrent();
            }
        }

        if (removed)
        {
            DurableFileSystem.SyncDirectory(_directory);
        }
    }

    private bool StartsWithHeader(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var start = new byte[_header.Length];
        return file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) == start.Length && start.AsSpan().SequenceEqual(_header);
    }

    private void Rotate()
    {
        // The next checkpoint names only the newest file, so a closed one must be durable as it closes.
        _current!.Flush(flushToDisk: true);
        CloseCurrent();
    }

    private void StartFile(long firstOffset)
    {
        _currentCreated = _clock.GetUtcNow();
        // 12 digits keep names sorting in offset order up to 10^12 messages per partition.
        _currentName = string.Create(CultureInfo.InvariantCulture, $"{firstOffset:D12}-{_currentCreated.UtcDateTime.ToString(CreatedFormat, CultureInfo.InvariantCulture)}{Extension}");
        _current = new FileStream(Path.Combine(_directory, _currentName), FileMode.Create, FileAccess.Write, FileShare.Read, BufferSize);
        _current.Write(_header);
        _currentLength = _header.Length;
        DurableFileSystem.SyncDirectory(_directory); // the checkpoint will name this file: its entry must outlive a crash
    }

    private void CloseCurrent()
    {
        _current?.Dispose();
        _current = null;
    }

    private static DateTimeOffset CreatedTimeOf(string name) =>
        DateTime.TryParseExact(name.Split('-', '.')[1], CreatedFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var created)
            ? new DateTimeOffset(created, TimeSpan.Zero)
            : DateTimeOffset.MinValue;
}

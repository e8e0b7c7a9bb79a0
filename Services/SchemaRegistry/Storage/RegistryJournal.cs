using System.Text;
using System.Text.Json;

namespace HpcAspire.SchemaRegistry.Storage;

/// <summary>
/// The registry's durable state: an append-only file of JSON lines, each flushed to disk before
/// the change it records is acknowledged, so a restart (or a crash) never loses or reuses an id.
/// </summary>
internal sealed partial class RegistryJournal : IDisposable
{
    public const string FileName = "schemas.jsonl";

    private readonly FileStream _file;

    private RegistryJournal(FileStream file, IReadOnlyList<JournalEntry> entries)
    {
        this._file = file;
        Entries = entries;
    }

    public string FilePath => _file.Name;

    /// <summary>What the journal held when it was opened, oldest first.</summary>
    public IReadOnlyList<JournalEntry> Entries { get; }

    public static RegistryJournal Open(string directory, ILogger<RegistryJournal> logger)
    {
        Directory.CreateDirectory(directory);

        // FileShare.Read: a second registry on the same directory would hand out the same ids,
        // so it fails to start instead.
        var file = new FileStream(Path.Combine(directory, FileName), FileMode.OpenOrCreate,
            FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var entries = ReadEntries(file, logger);
            file.Seek(0, SeekOrigin.End);
            return new RegistryJournal(file, entries);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Appends one entry and forces it to disk; on failure the file is left as it was.</summary>
    public void Append(JournalEntry entry)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(entry, JournalJsonContext.Default.JournalEntry);
        var length = _file.Length;
        try
        {
            _file.Write(line);
            _file.WriteByte((byte)'\n');
            _file.Flush(flushToDisk: true);
        }
        catch
        {
            // A half-written line would glue itself to the next entry.
            _file.SetLength(length);
            _file.Seek(0, SeekOrigin.End);
            throw;
        }
    }

    public void Dispose() => _file.Dispose();

    private static List<JournalEntry> ReadEntries(FileStream file, ILogger logger)
    {
        var content = new byte[file.Length];
        file.ReadExactly(content);

        // A crash while appending can leave a last line without its newline: that change was never
        // acknowledged, so it is dropped rather than replayed.
        var end = Array.LastIndexOf(content, (byte)'\n') + 1;
        if (end < content.Length)
        {
            LogTornTail(logger, file.Name, content.Length - end);
            file.SetLength(end);
        }

        var entries = new List<JournalEntry>();
        var lineNumber = 0;
        foreach (var line in Encoding.UTF8.GetString(content, 0, end).Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                entries.Add(JsonSerializer.Deserialize(line, JournalJsonContext.Default.JournalEntry)
                    ?? throw new JsonException("null entry"));
            }
            catch (JsonException e)
            {
                // Skipping a complete but unreadable line could hand its id out again.
                throw new InvalidDataException($"{file.Name} line {lineNumber} is not a journal entry: {e.Message}", e);
            }
        }

        return entries;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Dropped {ByteCount} bytes of an unfinished last entry from {JournalPath}")]
    private static partial void LogTornTail(ILogger logger, string journalPath, int byteCount);
}

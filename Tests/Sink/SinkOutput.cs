using HpcAspire.Domain.Storage;

namespace HpcAspire.Tests.Sink;

/// <summary>Reads what the sink wrote: its CSV files per topic and their rows.</summary>
internal sealed class SinkOutput(string directory)
{
    public string Directory => directory;

    public IReadOnlyList<string> Files(string topic)
    {
        var root = Path.Combine(directory, topic);
        return System.IO.Directory.Exists(root)
            ? System.IO.Directory.GetFiles(root, "*.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>Complete rows (CRLF-terminated) after each file's header; a file being written may end in a partial line.</summary>
    public List<string> Rows(string topic) => Files(topic).SelectMany(f => Lines(f).Skip(1)).ToList();

    public static IEnumerable<string> Lines(string file)
    {
        string text;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            text = new StreamReader(stream).ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return []; // removed by a recovery while we looked
        }

        var end = text.LastIndexOf(CsvFormat.LineEnd, StringComparison.Ordinal);
        return end < 0 ? [] : text[..end].Split(CsvFormat.LineEnd);
    }

    public async Task<bool> WaitForRowsAsync(string topic, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Rows(topic).Count >= count)
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}

using System.Globalization;

namespace HpcAspire.Domain.Storage;

/// <summary>RFC 4180 fields and records: CRLF line ends, fields quoted only when they must be.</summary>
public static class CsvFormat
{
    public const string LineEnd = "\r\n";

    public static string Record(IEnumerable<string?> fields)
    {
        var line = new CsvLine();
        foreach (var field in fields)
        {
            line.Field(field);
        }

        return line.End();
    }

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 in UTC to the millisecond, <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>: written digit by digit, as a custom format string is parsed again for every row.</summary>
    public static string Timestamp(DateTime value) => string.Create(TimestampLength, value, static (text, time) => WriteTimestamp(text, time));

    internal const int TimestampLength = 24;

    internal static void WriteTimestamp(Span<char> text, DateTime value)
    {
        var utc = value.ToUniversalTime();
        Digits(text[..4], utc.Year);
        text[4] = '-';
        Digits(text.Slice(5, 2), utc.Month);
        text[7] = '-';
        Digits(text.Slice(8, 2), utc.Day);
        text[10] = 'T';
        Digits(text.Slice(11, 2), utc.Hour);
        text[13] = ':';
        Digits(text.Slice(14, 2), utc.Minute);
        text[16] = ':';
        Digits(text.Slice(17, 2), utc.Second);
        text[19] = '.';
        Digits(text.Slice(20, 3), utc.Millisecond);
        text[23] = 'Z';
    }

    private static void Digits(Span<char> into, int value)
    {
        for (var i = into.Length - 1; i >= 0; i--)
        {
            into[i] = (char)('0' + value % 10);
            value /= 10;
        }
    }
}

/// <summary>
/// One CSV record built in place, field by field, with <see cref="CsvFormat"/>'s rules; <see cref="End"/> returns it
/// and starts the next. Numbers and times are formatted straight into the line: a string for each of a row's
/// fields, then a builder to join them, was a quarter of the sink's work on a row. Reusable, not thread-safe.
/// </summary>
public sealed class CsvLine
{
    private char[] _chars = new char[256];
    private int _length;
    private bool _empty = true;

    public CsvLine Field(string? value)
    {
        Separator();
        var text = (value ?? "").AsSpan();
        if (text.IndexOfAny(",\"\r\n") < 0)
        {
            Append(text);
            return this;
        }

        Append("\"");
        foreach (var c in text)
        {
            Append(c == '"' ? "\"\"" : new ReadOnlySpan<char>(in c));
        }

        Append("\"");
        return this;
    }

    /// <summary>The shortest text that reads back as the same double (<c>R</c>), in the invariant culture.</summary>
    public CsvLine Number(double value)
    {
        Separator();
        int written;
        while (!value.TryFormat(_chars.AsSpan(_length), out written, "R", CultureInfo.InvariantCulture))
        {
            Grow();
        }

        _length += written;
        return this;
    }

    /// <summary>An empty field for a value not known.</summary>
    public CsvLine Number(double? value) => value is { } known ? Number(known) : Field(null);

    public CsvLine Number(long value)
    {
        Separator();
        int written;
        while (!value.TryFormat(_chars.AsSpan(_length), out written, default, CultureInfo.InvariantCulture))
        {
            Grow();
        }

        _length += written;
        return this;
    }

    public CsvLine Timestamp(DateTime value)
    {
        Separator();
        Reserve(CsvFormat.TimestampLength);
        CsvFormat.WriteTimestamp(_chars.AsSpan(_length, CsvFormat.TimestampLength), value);
        _length += CsvFormat.TimestampLength;
        return this;
    }

    /// <summary>The record with its line end; the line is empty again afterwards.</summary>
    public string End()
    {
        Append(CsvFormat.LineEnd);
        var record = new string(_chars, 0, _length);
        Clear();
        return record;
    }

    /// <summary>Drops what was written since the last <see cref="End"/> (a record abandoned half-way by an exception).</summary>
    public CsvLine Clear()
    {
        _length = 0;
        _empty = true;
        return this;
    }

    private void Separator()
    {
        if (!_empty)
        {
            Append(",");
        }

        _empty = false;
    }

    private void Append(ReadOnlySpan<char> text)
    {
        Reserve(text.Length);
        text.CopyTo(_chars.AsSpan(_length));
        _length += text.Length;
    }

    private void Reserve(int count)
    {
        while (_length + count > _chars.Length)
        {
            Grow();
        }
    }

    private void Grow() => Array.Resize(ref _chars, _chars.Length * 2);
}

using System.Globalization;
using System.Text;

namespace HpcAspire.Domain.Storage;

/// <summary>RFC 4180 fields and records: CRLF line ends, fields quoted only when they must be.</summary>
public static class CsvFormat
{
    public const string LineEnd = "\r\n";

    public static string Record(IEnumerable<string?> fields)
    {
        var line = new StringBuilder();
        foreach (var field in fields)
        {
            if (line.Length > 0)
            {
                line.Append(',');
            }

            AppendField(line, field ?? "");
        }

        return line.Append(LineEnd).ToString();
    }

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 in UTC to the millisecond, <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>: written digit by digit, as a custom format string is parsed again for every row.</summary>
    public static string Timestamp(DateTime value) => string.Create(24, value.ToUniversalTime(), static (text, utc) =>
    {
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
    });

    private static void Digits(Span<char> into, int value)
    {
        for (var i = into.Length - 1; i >= 0; i--)
        {
            into[i] = (char)('0' + value % 10);
            value /= 10;
        }
    }

    private static void AppendField(StringBuilder line, string field)
    {
        if (field.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            line.Append(field);
            return;
        }

        line.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}

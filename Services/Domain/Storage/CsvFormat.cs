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

    public static string Timestamp(DateTime value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

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

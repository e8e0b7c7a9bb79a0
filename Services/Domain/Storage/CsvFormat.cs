using System.Globalization;

namespace HpcAspire.Domain.Storage;

/// <summary>
/// RFC 4180 fields and records: CRLF line ends, fields quoted only when they must be. Numbers are written in the
/// invariant culture with a fixed number of decimals per unit, the same in every file and column of that unit.
/// </summary>
public static class CsvFormat
{
    public const string LineEnd = "\r\n";

    /// <summary>Watts to 0.01 W: finer than a reading (0.1 W), so rolling means and deviations keep their last digit.</summary>
    public const int WattDecimals = 2;

    /// <summary>Degrees Celsius to 0.01 °C, the sensors' resolution.</summary>
    public const int CelsiusDecimals = 2;

    /// <summary>Utilisation, a fraction from 0 to 1, to 0.001 (a tenth of a percentage point), the sensors' resolution.</summary>
    public const int FractionDecimals = 3;

    /// <summary>
    /// Kilowatt-hours to 0.0000001 kWh (0.1 mWh, 0.36 J): a 10-second job on one node at 300 W (0.0008333 kWh)
    /// keeps four significant digits, and a reading's 0.1 W over a second is about the last digit.
    /// </summary>
    public const int KilowattHourDecimals = 7;

    private static readonly string[] FixedFormats = [.. Enumerable.Range(0, 16).Select(decimals => $"F{decimals}")];

    public static string Record(IEnumerable<string?> fields)
    {
        var line = new CsvLine();
        foreach (var field in fields)
        {
            line.Field(field);
        }

        return line.End();
    }

    /// <summary>
    /// <paramref name="value"/> to <paramref name="decimals"/> decimals, the double's exact value rounded to the nearest
    /// (an exact half to the even digit, as .NET's "F" format does), in the invariant culture; a value that rounds to
    /// zero is written without a minus sign.
    /// </summary>
    public static string Fixed(double value, int decimals) => new CsvLine().Fixed(value, decimals).End()[..^LineEnd.Length];

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string FixedFormat(int decimals) => FixedFormats[decimals];

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

    /// <summary>A power, to <see cref="CsvFormat.WattDecimals"/> decimals.</summary>
    public CsvLine Watts(double value) => Fixed(value, CsvFormat.WattDecimals);

    /// <summary>A power, or an empty field for one not known.</summary>
    public CsvLine Watts(double? value) => value is { } known ? Watts(known) : Field(null);

    /// <summary>A temperature, to <see cref="CsvFormat.CelsiusDecimals"/> decimals.</summary>
    public CsvLine Celsius(double value) => Fixed(value, CsvFormat.CelsiusDecimals);

    /// <summary>A utilisation from 0 to 1, to <see cref="CsvFormat.FractionDecimals"/> decimals.</summary>
    public CsvLine Fraction(double value) => Fixed(value, CsvFormat.FractionDecimals);

    /// <summary>An energy, to <see cref="CsvFormat.KilowattHourDecimals"/> decimals.</summary>
    public CsvLine KilowattHours(double value) => Fixed(value, CsvFormat.KilowattHourDecimals);

    /// <summary>See <see cref="CsvFormat.Fixed"/>.</summary>
    internal CsvLine Fixed(double value, int decimals)
    {
        Separator();
        int written;
        while (!value.TryFormat(_chars.AsSpan(_length), out written, CsvFormat.FixedFormat(decimals), CultureInfo.InvariantCulture))
        {
            Grow();
        }

        var text = _chars.AsSpan(_length, written);
        if (double.IsFinite(value) && text[0] == '-' && !text.ContainsAnyInRange('1', '9'))
        {
            // -0.001 to two decimals is "-0.00": a zero has no sign here.
            text[1..].CopyTo(text);
            written--;
        }

        _length += written;
        return this;
    }

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

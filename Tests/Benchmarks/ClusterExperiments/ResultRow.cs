using System.Globalization;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// One cell's results: named values in the order they were added, kept as invariant-culture text so a row reads back
/// from its CSV exactly as it was written (the plots are drawn from the files, not from a run).
/// </summary>
internal sealed class ResultRow
{
    private readonly List<KeyValuePair<string, string>> _values = [];

    public IEnumerable<string> Columns => _values.Select(v => v.Key);

    public IReadOnlyList<KeyValuePair<string, string>> Values => _values;

    public ResultRow Set(string column, string value)
    {
        var index = _values.FindIndex(v => v.Key == column);
        if (index >= 0)
        {
            _values[index] = new(column, value);
        }
        else
        {
            _values.Add(new(column, value));
        }

        return this;
    }

    public ResultRow Set(string column, double value) =>
        Set(column, double.IsFinite(value) ? value.ToString(Math.Abs(value) >= 100 ? "0" : "0.###", CultureInfo.InvariantCulture) : "");

    public ResultRow Set(string column, long value) => Set(column, value.ToString(CultureInfo.InvariantCulture));

    public ResultRow Set(string column, int value) => Set(column, value.ToString(CultureInfo.InvariantCulture));

    public string Text(string column) => _values.FirstOrDefault(v => v.Key == column).Value ?? "";

    /// <summary>The column as a number; NaN when it is empty (not measured) or absent.</summary>
    public double Number(string column) =>
        double.TryParse(Text(column), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;
}

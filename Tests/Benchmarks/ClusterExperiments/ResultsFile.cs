using System.Text;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>An experiment's rows as a CSV file (RFC 4180 quoting), one column for every name any row has.</summary>
internal static class ResultsFile
{
    public static void Write(string path, IReadOnlyList<ResultRow> rows)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var columns = rows.SelectMany(r => r.Columns).Distinct().ToList();
        var text = new StringBuilder();
        text.AppendLine(string.Join(',', columns.Select(Quote)));
        foreach (var row in rows)
        {
            text.AppendLine(string.Join(',', columns.Select(c => Quote(row.Text(c)))));
        }

        File.WriteAllText(path, text.ToString());
    }

    public static List<ResultRow> Read(string path)
    {
        var records = Parse(File.ReadAllText(path));
        if (records.Count == 0)
        {
            return [];
        }

        var header = records[0];
        return records.Skip(1).Select(fields =>
        {
            var row = new ResultRow();
            for (var i = 0; i < header.Count; i++)
            {
                row.Set(header[i], i < fields.Count ? fields[i] : "");
            }

            return row;
        }).ToList();
    }

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;

    private static List<List<string>> Parse(string text)
    {
        var records = new List<List<string>>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                fields.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                records.Add(fields);
                fields = [];
            }
            else
            {
                field.Append(c);
            }
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add(fields);
        }

        return records;
    }
}

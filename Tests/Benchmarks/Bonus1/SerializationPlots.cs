using System.Text.RegularExpressions;
using HpcAspire.Benchmarks.ClusterExperiments;
using SkiaSharp;

namespace HpcAspire.Benchmarks.Bonus1;

/// <summary>
/// The <c>serialization-plots</c> verb: one PNG per message kind from the <c>avro</c> benchmark's results file, bytes per
/// message on the left and CPU time per message on the right, drawn from the file alone (no run).
/// </summary>
internal static partial class SerializationPlots
{
    public const string Usage = "serialization-plots [--results folder] [--images folder]";
    public const string ResultsFileName = "serialization.csv";

    /// <summary>The size of each of the two panels; an image is two panels wide.</summary>
    public const int PanelWidth = 820;
    public const int PanelHeight = 560;

    public static int Run(IReadOnlyList<string> args)
    {
        var results = AvroCodecBenchmark.Option(args, "--results") ?? Path.GetDirectoryName(AvroCodecBenchmark.DefaultResults)!;
        var images = AvroCodecBenchmark.Option(args, "--images") ?? "docs/images";
        var drawn = Draw(results, images);
        foreach (var path in drawn)
        {
            Console.WriteLine(path);
        }

        if (drawn.Count == 0)
        {
            Console.Error.WriteLine($"no {ResultsFileName} in {results}; usage: {Usage}");
            return 1;
        }

        return 0;
    }

    /// <summary>Draws <c>bonus1-&lt;message&gt;.png</c> for every message kind in the results file; none when there is no file.</summary>
    public static IReadOnlyList<string> Draw(string resultsDirectory, string imagesDirectory)
    {
        var file = Path.Combine(resultsDirectory, ResultsFileName);
        if (!File.Exists(file))
        {
            return [];
        }

        Directory.CreateDirectory(imagesDirectory);
        return ResultsFile.Read(file)
            .GroupBy(r => r.Text("message"))
            .Select(message => Draw(message.Key, message.ToList(), imagesDirectory))
            .ToList();
    }

    private static string Draw(string message, List<ResultRow> rows, string imagesDirectory)
    {
        var formats = rows.Select(r => FormatLabel(r.Text("format"))).ToList();

        var bytes = new GroupedBarChart($"{message}: bytes per message", "format", "bytes", formats);
        bytes.Series("message body", rows.Select(r => r.Number("bytes")).ToArray(), notes: rows.Select(r => $"{r.Text("bytes")} B").ToArray());
        bytes.Series("with the 5-byte Confluent frame", rows.Select(r => r.Number("framed_bytes")).ToArray(),
            notes: rows.Select(r => r.Text("framed_bytes") is { Length: > 0 } framed ? $"{framed} B" : "no frame").ToArray());

        var cpu = new GroupedBarChart($"{message}: CPU time per message, median of {rows[0].Text("repeats")} rounds",
            $"format ({rows[0].Text("clock")} time, one thread)", "nanoseconds per message", formats)
        {
            DotsLabel = "single rounds (bar = median)",
        };
        cpu.Series("serialize", rows.Select(r => r.Number("serialize_ns")).ToArray(), rows.Select(r => Runs(r, "serialize_ns_runs")).ToArray());
        cpu.Series("deserialize", rows.Select(r => r.Number("deserialize_ns")).ToArray(), rows.Select(r => Runs(r, "deserialize_ns_runs")).ToArray());

        var path = Path.Combine(imagesDirectory, $"bonus1-{KebabCase(message)}.png");
        var left = Path.Combine(Path.GetTempPath(), $"bonus1-{Guid.NewGuid():N}-bytes.png");
        var right = Path.Combine(Path.GetTempPath(), $"bonus1-{Guid.NewGuid():N}-cpu.png");
        try
        {
            bytes.Save(left, PanelWidth, PanelHeight);
            cpu.Save(right, PanelWidth, PanelHeight);
            SideBySide(left, right, path);
        }
        finally
        {
            File.Delete(left);
            File.Delete(right);
        }

        return path;
    }

    private static void SideBySide(string left, string right, string path)
    {
        using var leftImage = SKImage.FromEncodedData(left) ?? throw new InvalidDataException($"{left} is not an image.");
        using var rightImage = SKImage.FromEncodedData(right) ?? throw new InvalidDataException($"{right} is not an image.");
        using var surface = SKSurface.Create(new SKImageInfo(leftImage.Width + rightImage.Width, Math.Max(leftImage.Height, rightImage.Height)));
        surface.Canvas.Clear(SKColors.White);
        surface.Canvas.DrawImage(leftImage, 0, 0);
        surface.Canvas.DrawImage(rightImage, leftImage.Width, 0);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        using var output = File.Create(path);
        png.SaveTo(output);
    }

    private static string FormatLabel(string format) => format switch
    {
        AvroCodecBenchmark.Json => "System.Text.Json\n(reflection)",
        AvroCodecBenchmark.ApacheAvro => "Apache.Avro\n(specific)",
        AvroCodecBenchmark.ContractsCodec => "contracts' codec\n(Avro binary)",
        _ => format,
    };

    private static IReadOnlyList<double> Runs(ResultRow row, string column) =>
        row.Text(column).Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();

    private static string KebabCase(string name) => UpperAfterLower().Replace(name, "$1-$2").ToLowerInvariant();

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex UpperAfterLower();
}

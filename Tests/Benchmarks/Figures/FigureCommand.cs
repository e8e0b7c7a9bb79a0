using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HpcAspire.Benchmarks.Bonus1;
using HpcAspire.Benchmarks.ClusterExperiments;
using HpcAspire.Benchmarks.Latency;

namespace HpcAspire.Benchmarks.Figures;

/// <summary>
/// The <c>figures [results folder] [images folder]</c> verb: every plot of the report, redrawn from the committed results files
/// (docs/results → docs/images by default), then <c>figures.json</c> beside the images: each image with the results files it
/// was drawn from and their SHA-256, so a test can tell a stale image in a fresh clone (where file times say nothing).
/// The diagrams are rendered by docs/diagrams/render.sh when chromium is on the machine.
/// </summary>
internal static class FigureCommand
{
    public const string ManifestName = "figures.json";

    /// <summary>A family of plots: how it is drawn and which results files (relative to the results folder) it reads.</summary>
    public sealed record Family(string Name, Func<string, string, IReadOnlyList<string>> Draw, IReadOnlyList<string> Sources);

    /// <summary>Every family of plots of the report. The one place a new family is added.</summary>
    public static IReadOnlyList<Family> Families { get; } =
    [
        new("pipeline", PipelinePlots.Draw, [PipelinePlots.ResultsFileName]),
        new("part2", (results, images) => ClusterPlots.Draw(Path.Combine(results, "part2"), images),
            ClusterPlots.Experiments.Select(experiment => $"part2/{experiment}.csv").ToList()),
        new("bonus1", (results, images) => SerializationPlots.Draw(Path.Combine(results, "bonus1"), images), ["bonus1/" + SerializationPlots.ResultsFileName]),
        new("latency", LatencyPlots.Draw, ["latency/stage-budget.csv"]),
        new("part4", Profiling.Part4Plots.Draw, [Profiling.Part4Plots.ResultsFileName]),
    ];

    public static int Run(IReadOnlyList<string> args)
    {
        var results = args.ElementAtOrDefault(0) ?? "docs/results";
        var images = args.ElementAtOrDefault(1) ?? "docs/images";
        var clock = Stopwatch.StartNew();
        var drawn = Draw(results, images);
        foreach (var (image, _) in drawn)
        {
            Console.WriteLine(Path.Combine(images, image));
        }

        Console.WriteLine($"{drawn.Count} plots and {Path.Combine(images, ManifestName)} in {clock.Elapsed.TotalSeconds:0.0} s");
        var diagrams = RenderDiagrams();
        Console.WriteLine(diagrams);
        return drawn.Count > 0 ? 0 : 1;
    }

    /// <summary>Draws every family and writes the manifest; returns each image's file name with its sources.</summary>
    public static IReadOnlyList<(string Image, IReadOnlyList<string> Sources)> Draw(string resultsDirectory, string imagesDirectory)
    {
        Directory.CreateDirectory(imagesDirectory);
        var drawn = new List<(string Image, IReadOnlyList<string> Sources)>();
        foreach (var family in Families)
        {
            var sources = family.Sources.Where(s => File.Exists(Path.Combine(resultsDirectory, s))).ToList();
            drawn.AddRange(family.Draw(resultsDirectory, imagesDirectory).Select(path => (Path.GetFileName(path), (IReadOnlyList<string>)sources)));
        }

        var manifest = drawn.OrderBy(d => d.Image, StringComparer.Ordinal).Select(d => new ManifestEntry(d.Image,
            d.Sources.ToDictionary(s => s, s => Sha256(Path.Combine(resultsDirectory, s))))).ToList();
        File.WriteAllText(Path.Combine(imagesDirectory, ManifestName), JsonSerializer.Serialize(manifest, Json) + "\n");
        return drawn;
    }

    public sealed record ManifestEntry(string Image, Dictionary<string, string> Sources);

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The SHA-256 of a text file with its line ends as LF, so a checkout with CRLF hashes the same.</summary>
    public static string Sha256(string path) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(File.ReadAllText(path).Replace("\r\n", "\n"))));

    private static string RenderDiagrams()
    {
        const string script = "docs/diagrams/render.sh";
        if (!File.Exists(script) || !new[] { "chromium", "chromium-browser" }.Any(OnPath))
        {
            return $"diagrams not rendered (needs chromium and {script}): bash {script}";
        }

        using var render = Process.Start(new ProcessStartInfo("bash", script) { UseShellExecute = false })!;
        render.WaitForExit();
        return render.ExitCode == 0 ? $"diagrams rendered by {script}" : $"{script} failed with exit code {render.ExitCode}";
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, program)));
}

using System.Text.Json;
using System.Text.RegularExpressions;
using HpcAspire.Benchmarks.Figures;
using HpcAspire.Tests.Kubernetes;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Report;

/// <summary>
/// The report's figures: the figures command draws every plot from the committed results files; every image the docs name
/// exists; every committed plot was drawn from the results files as they are now (docs/images/figures.json holds their SHA-256).
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed partial class FigureTests : IDisposable
{
    private const string Regenerate = "dotnet run -c Release --project Tests/Benchmarks -- figures";
    private static readonly string Docs = Path.Combine(RepositoryFiles.Root, "docs");
    private static readonly string Images = Path.Combine(Docs, "images");
    private static readonly string Results = Path.Combine(Docs, "results");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hpcaspire-figures", Guid.NewGuid().ToString("N"));

    [Fact]
    public void The_figures_command_draws_every_family_of_plots_from_the_committed_results_into_a_folder_with_its_manifest()
    {
        var drawn = FigureCommand.Draw(Results, _directory);

        var names = drawn.Select(d => d.Image).ToList();
        Assert.Contains("pipeline-throughput.png", names);
        Assert.Contains("pipeline-latency.png", names);
        Assert.Contains("pipeline-cpu-per-reading.png", names);
        Assert.Contains("pipeline-scaling.png", names);
        Assert.Contains(names, n => n.StartsWith("part2-", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("bonus1-", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("latency-", StringComparison.Ordinal));
        foreach (var name in names)
        {
            var bytes = File.ReadAllBytes(Path.Combine(_directory, name));
            Assert.True(bytes.Length > 10_000, $"{name} has only {bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }

        var manifest = ReadManifest(Path.Combine(_directory, FigureCommand.ManifestName));
        Assert.Equal(names.Order(StringComparer.Ordinal), manifest.Select(e => e.Image));
        Assert.All(manifest, e => Assert.NotEmpty(e.Sources));
    }

    [Fact]
    public void The_pipeline_plots_take_new_applications_and_rows_as_they_are_appended()
    {
        var results = Directory.CreateDirectory(Path.Combine(_directory, "results", "pipeline")).FullName;
        var header = File.ReadLines(Path.Combine(Results, PipelinePlots.ResultsFileName)).First();
        File.WriteAllLines(Path.Combine(results, "runs.csv"),
        [
            header,
            "kafka-processors-1,20000,1,false,19000,0,0,80,150,0,true,190,250,190,0.2,0.5,0.2,0.1,2026-12-03T09:00:00Z,abc,",
            "kafka-processors-2,20000,1,false,20000,0,0,70,140,0,true,190,250,190,0.2,0.6,0.2,0.1,2026-12-03T09:05:00Z,abc,",
            "rabbitmq-4,20000,1,true,20000,0,0,70,140,0,true,190,250,190,0.2,0.6,0.2,0.1,2026-12-03T09:10:00Z,abc,",
        ]);

        var drawn = PipelinePlots.Draw(Path.Combine(_directory, "results"), Path.Combine(_directory, "images")).Select(Path.GetFileName).ToList();

        Assert.Equal(["pipeline-throughput.png", "pipeline-latency.png", "pipeline-cpu-per-reading.png", "pipeline-scaling.png"], drawn);
    }

    [Fact]
    public void Every_image_the_docs_and_the_readme_name_exists()
    {
        var missing = DocumentImages().Where(i => !File.Exists(i.Path)).Select(i => $"{i.Document} names {i.Path}").ToList();

        Assert.True(missing.Count == 0, $"missing images (plots: {Regenerate}; diagrams: bash docs/diagrams/render.sh):\n{string.Join('\n', missing)}");
    }

    [Fact]
    public void Every_committed_plot_was_drawn_from_the_results_files_as_they_are_now()
    {
        var manifestPath = Path.Combine(Images, FigureCommand.ManifestName);
        Assert.True(File.Exists(manifestPath), $"{manifestPath} is missing: {Regenerate}");
        var manifest = ReadManifest(manifestPath);

        var stale = manifest.SelectMany(e => e.Sources
                .Where(s => !File.Exists(Path.Combine(Results, s.Key)) || FigureCommand.Sha256(Path.Combine(Results, s.Key)) != s.Value)
                .Select(s => $"{e.Image} was drawn from another {s.Key}"))
            .Concat(manifest.Where(e => !File.Exists(Path.Combine(Images, e.Image))).Select(e => $"{e.Image} is missing"))
            .ToList();

        Assert.True(stale.Count == 0, $"stale plots; redraw them: {Regenerate}\n{string.Join('\n', stale)}");
    }

    [Fact]
    public void Every_plot_the_docs_name_is_one_the_figures_command_draws()
    {
        var drawn = ReadManifest(Path.Combine(Images, FigureCommand.ManifestName)).Select(e => e.Image).ToHashSet();
        // Not plots: the diagrams (render.sh), the dashboard's screenshot, and Part 4's profiles (their own command).
        var plots = DocumentImages().Select(i => Path.GetFileName(i.Path))
            .Where(n => !n.StartsWith("diagram-", StringComparison.Ordinal) && !n.StartsWith("part4-", StringComparison.Ordinal) && n != "reading-trace.png")
            .Distinct();

        Assert.All(plots, n => Assert.True(drawn.Contains(n), $"{n} is named in docs but no family of the figures command draws it"));
    }

    public static TheoryData<string> Sections() => new(
    [
        "Part 1", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Bonus 1", "Part 2", "Bonus 2", "Part 3", "Part 3 · Q1", "Part 3 · Q2", "Part 3 · Q3",
        "Part 3 · Q4", "Part 3 · Q5", "Part 3 · Q6", "Bonus 3", "Part 4", "Bonus 4", "Reflection",
    ]);

    [Theory]
    [MemberData(nameof(Sections))]
    public void The_report_has_a_heading_for_every_part_and_question_of_the_assignment(string section)
    {
        var headings = File.ReadLines(Path.Combine(Docs, "report.md")).Where(l => l.StartsWith('#')).Select(l => l.TrimStart('#').Trim()).ToList();

        Assert.True(headings.Any(h => h.StartsWith(section, StringComparison.Ordinal)), $"docs/report.md has no heading starting with \"{section}\"");
    }

    [Fact]
    public void The_readme_links_the_report_before_any_other_document()
    {
        var links = MarkdownLink().Matches(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "README.md"))).Select(m => m.Groups["target"].Value)
            .Where(t => t.EndsWith(".md", StringComparison.Ordinal)).ToList();

        Assert.Equal("docs/report.md", links.FirstOrDefault());
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static List<FigureCommand.ManifestEntry> ReadManifest(string path) =>
        JsonSerializer.Deserialize<List<FigureCommand.ManifestEntry>>(File.ReadAllText(path), FigureCommand.Json)!;

    private static IEnumerable<(string Document, string Path)> DocumentImages() =>
        Directory.GetFiles(Docs, "*.md").Append(Path.Combine(RepositoryFiles.Root, "README.md"))
            .SelectMany(document => MarkdownLink().Matches(File.ReadAllText(document))
                .Select(m => m.Groups["target"].Value)
                .Where(t => t.EndsWith(".png", StringComparison.Ordinal) || t.EndsWith(".svg", StringComparison.Ordinal))
                .Where(t => !t.Contains("://", StringComparison.Ordinal))
                .Select(t => (Path.GetRelativePath(RepositoryFiles.Root, document), Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, t)))));

    [GeneratedRegex(@"\]\((?<target>[^)\s#]+)")]
    private static partial Regex MarkdownLink();
}

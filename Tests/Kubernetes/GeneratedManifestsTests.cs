using HpcAspire.KubernetesManifests;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Kubernetes;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public class GeneratedManifestsTests
{
    private const string Regenerate = "dotnet run --project manifests/generator";

    [Fact]
    public void The_committed_manifests_are_what_the_generator_writes_from_the_committed_aspire_manifest()
    {
        var generated = ManifestGenerator.Generate(RepositoryFiles.Manifest, RepositoryFiles.Profile).Files;
        var committed = ManifestGenerator.ReadGeneratedFiles(RepositoryFiles.Manifests);

        var stale = generated.Keys.Union(committed.Keys).Order(StringComparer.Ordinal)
            .Where(path => !committed.TryGetValue(path, out var onDisk) || !generated.TryGetValue(path, out var expected) || onDisk != expected)
            .ToList();
        Assert.True(stale.Count == 0, $"manifests/ is stale ({string.Join(", ", stale)}). Regenerate it: {Regenerate}");
    }

    [Fact]
    public void Generating_twice_gives_the_same_files_byte_for_byte()
    {
        var first = ManifestGenerator.Generate(RepositoryFiles.Manifest, RepositoryFiles.Profile).Files;
        var second = ManifestGenerator.Generate(RepositoryFiles.Manifest, RepositoryFiles.Profile).Files;

        Assert.Equal(first.Keys, second.Keys);
        Assert.All(first, file => Assert.Equal(file.Value, second[file.Key]));
    }
}

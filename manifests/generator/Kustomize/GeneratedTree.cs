using k8s;

namespace HpcAspire.KubernetesManifests.Kustomize;

/// <summary>
/// Every file the generator writes under manifests/, by path relative to it, in a stable order: the same inputs give
/// byte-identical files, which is what the staleness test compares.
/// </summary>
internal sealed class GeneratedTree
{
    public const string Header =
        "# Generated from aspire-manifest.json and manifests/generator/profile.json; do not edit.\n" +
        "# Regenerate: dotnet run --project manifests/generator\n";

    private readonly SortedDictionary<string, string> _files = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Files => _files;

    public void AddYaml(string path, string yaml, string? comment = null) =>
        Add(path, Header + (comment is null ? "" : Comment(comment)) + yaml);

    public void AddObjects(string path, IEnumerable<IKubernetesObject> objects) =>
        AddYaml(path, string.Join("---\n", objects.Select(o => KubernetesYaml.Serialize(o).TrimEnd('\n') + "\n")));

    public void Add(string path, string content)
    {
        if (!_files.TryAdd(path, content.ReplaceLineEndings("\n")))
        {
            throw new InvalidOperationException($"Two generated files at {path}.");
        }
    }

    private static string Comment(string text) =>
        string.Concat(text.Trim().Split('\n').Select(line => line.Length == 0 ? "#\n" : $"# {line.TrimEnd()}\n"));
}

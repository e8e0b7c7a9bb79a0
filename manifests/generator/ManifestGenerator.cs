using HpcAspire.KubernetesManifests.AppModel;
using HpcAspire.KubernetesManifests.Kustomize;
using HpcAspire.KubernetesManifests.Operators;
using HpcAspire.KubernetesManifests.Overlays;
using HpcAspire.KubernetesManifests.Profile;
using HpcAspire.KubernetesManifests.Resolution;
using HpcAspire.KubernetesManifests.Workloads;

namespace HpcAspire.KubernetesManifests;

/// <summary>The whole of manifests/: the base and its three overlays, from the manifest and the profile.</summary>
internal static class ManifestGenerator
{
    public static GeneratedTree Generate(string manifestPath, string profilePath)
    {
        var manifest = AspireManifest.Load(manifestPath);
        var profile = DeploymentProfile.Load(profilePath);
        var context = ContextOf(manifest, profile, Path.GetDirectoryName(Path.GetFullPath(manifestPath))!);

        var tree = new GeneratedTree();
        var manifests = BaseManifests.Build(context);
        manifests.WriteTo(tree, profile);
        LocalOverlay.WriteTo(tree, manifests, profile);
        ProductionOverlay.WriteTo(tree, manifests, profile);
        OperatorsOverlay.WriteTo(tree, manifests, context);
        return tree;
    }

    public static WorkloadContext ContextOf(AspireManifest manifest, DeploymentProfile profile, string manifestDirectory)
    {
        var topology = new ClusterTopology(manifest, profile);
        return new WorkloadContext(manifest, profile, topology, new ExpressionResolver(manifest, profile, topology), manifestDirectory);
    }

    /// <summary>Writes the tree under <paramref name="outputDirectory"/> and removes generated files it no longer holds.</summary>
    public static void Write(GeneratedTree tree, string outputDirectory)
    {
        foreach (var stale in ReadGeneratedFiles(outputDirectory).Keys.Where(file => !tree.Files.ContainsKey(file)))
        {
            File.Delete(Path.Combine(outputDirectory, stale));
        }

        foreach (var (path, content) in tree.Files)
        {
            var fullPath = Path.Combine(outputDirectory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
            File.WriteAllText(fullPath, content);
        }
    }

    /// <summary>The generated files under manifests/ as they are on disk: all of base/ and overlays/ except the local env files.</summary>
    public static IReadOnlyDictionary<string, string> ReadGeneratedFiles(string outputDirectory) =>
        new[] { "base", "overlays" }
            .Select(folder => Path.Combine(outputDirectory, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            .Select(file => Path.GetRelativePath(outputDirectory, file).Replace('\\', '/'))
            .Where(file => !file.EndsWith(".env", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToDictionary(file => file, file => File.ReadAllText(Path.Combine(outputDirectory, file)));
}

using System.Collections.Concurrent;
using HpcAspire.KubernetesManifests.AppModel;
using HpcAspire.KubernetesManifests.Operators;
using HpcAspire.KubernetesManifests.Overlays;
using HpcAspire.KubernetesManifests.Profile;
using HpcAspire.Tests.Support;
using k8s;

namespace HpcAspire.Tests.Kubernetes;

/// <summary>
/// The committed manifests/ built with kustomize, once per test run. The local overlay is built in a copy that gets
/// freshly generated env files, so a developer's own (ignored) files neither help nor break the tests.
/// </summary>
internal static class BuiltOverlays
{
    public static readonly string[] Names = ["base", "overlays/local", "overlays/production", "overlays/operators"];

    /// <summary>The operator resources the overlays use, by apiVersion/kind, for strict loading.</summary>
    public static readonly IReadOnlyDictionary<string, Type> CustomResources = new Dictionary<string, Type>
    {
        [$"{StrimziKafka.Version}/Kafka"] = typeof(StrimziKafka),
        [$"{StrimziKafka.Version}/KafkaNodePool"] = typeof(StrimziKafkaNodePool),
        [$"{StrimziKafka.Version}/KafkaTopic"] = typeof(StrimziKafkaTopic),
        [$"{RabbitmqCluster.Version}/RabbitmqCluster"] = typeof(RabbitmqCluster),
    };

    private static readonly ConcurrentDictionary<string, Lazy<string>> Yaml = new();

    private static readonly Lazy<string> LocalCopy = new(CopyWithLocalValues);

    public static string YamlOf(string overlay) =>
        Yaml.GetOrAdd(overlay, name => new Lazy<string>(() =>
            Kustomize.Build(name == "overlays/local" ? Path.Combine(LocalCopy.Value, name) : Path.Combine(RepositoryFiles.Manifests, name)))).Value;

    /// <summary>Every object of the built overlay, loaded strictly: a field the models do not know fails.</summary>
    public static IReadOnlyList<object> ObjectsOf(string overlay) =>
        KubernetesYaml.LoadAllFromString(YamlOf(overlay), new Dictionary<string, Type>(CustomResources), strict: true);

    private static string CopyWithLocalValues()
    {
        var copy = TestDirectories.Create("kubernetes-manifests");
        foreach (var file in Directory.EnumerateFiles(RepositoryFiles.Manifests, "*", SearchOption.AllDirectories)
                     .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}generator{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                    && !file.EndsWith(".env", StringComparison.Ordinal)))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(RepositoryFiles.Manifests, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        LocalValues.Write(Path.Combine(copy, "overlays", "local"), AspireManifest.Load(RepositoryFiles.Manifest),
            DeploymentProfile.Load(RepositoryFiles.Profile), overwrite: true, TimeProvider.System);
        return copy;
    }
}

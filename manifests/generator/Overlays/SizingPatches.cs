using HpcAspire.KubernetesManifests.Kustomize;
using HpcAspire.KubernetesManifests.Profile;
using HpcAspire.KubernetesManifests.Workloads;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Overlays;

/// <summary>An overlay's replicas, compute resources, storage and settings, as patches over the base.</summary>
internal static class SizingPatches
{
    public static (List<Patch> Patches, List<GeneratorArgs> ConfigMaps) For(SizingOverlay overlay, BaseManifests manifests)
    {
        var patches = new List<Patch>();
        var configMaps = new List<GeneratorArgs>();
        foreach (var folder in manifests.Workloads)
        {
            var workload = ContainerWorkload.Single(folder);
            var sizing = overlay.Workloads.GetValueOrDefault(folder.Name);
            var patch = new JsonPatch();
            var claims = workload is V1StatefulSet { Spec.VolumeClaimTemplates.Count: > 0 };

            if (sizing?.Replicas is { } replicas)
            {
                if (workload is V1StatefulSet && folder.Files.Any(file => file.FileName == "poddisruptionbudget.yaml"))
                {
                    throw new InvalidDataException($"'{folder.Name}' is a broker set: its size is the manifest's broker count (quorum voters, replication), not an overlay's.");
                }

                patch.Replace("/spec/replicas", replicas);
            }

            if (sizing?.Resources is { } resources)
            {
                patch.Replace("/spec/template/spec/containers/0/resources", ResourceValue(resources));
            }

            if (sizing?.StorageSize is { } size)
            {
                patch.Replace("/spec/volumeClaimTemplates/0/spec/resources/requests/storage", claims
                    ? size
                    : throw new InvalidDataException($"'{folder.Name}' has no claim to size."));
            }

            if (overlay.StorageClassName is { } storageClass && claims)
            {
                patch.Add("/spec/volumeClaimTemplates/0/spec/storageClassName", storageClass);
            }

            if (overlay.RequiredBrokerAntiAffinity && workload is V1StatefulSet { Spec.Template.Spec.Affinity.PodAntiAffinity: not null })
            {
                patch.Replace("/spec/template/spec/affinity/podAntiAffinity", new Dictionary<string, object>
                {
                    ["requiredDuringSchedulingIgnoredDuringExecution"] = new[]
                    {
                        new Dictionary<string, object>
                        {
                            ["topologyKey"] = "kubernetes.io/hostname",
                            ["labelSelector"] = new Dictionary<string, object> { ["matchLabels"] = Labels.Of(folder.Name) },
                        },
                    },
                });
            }

            if (!patch.IsEmpty)
            {
                patches.Add(new Patch { Target = TargetOf(workload, folder.Name), Operations = patch.ToYaml() });
            }

            if (sizing is { Env.Count: > 0 })
            {
                var envConfigMap = ContainerWorkload.EnvConfigMap(folder.Name);
                if (folder.ConfigMaps.All(configMap => configMap.Name != envConfigMap))
                {
                    throw new InvalidDataException($"'{folder.Name}' has no {envConfigMap} for the overlay to change.");
                }

                configMaps.Add(Merge(envConfigMap, sizing.Env));
            }
        }

        foreach (var named in overlay.Workloads.Keys.Where(name => manifests.Workloads.All(folder => folder.Name != name)))
        {
            throw new InvalidDataException($"The overlay sizes '{named}', which is not a workload of the base.");
        }

        configMaps.AddRange(overlay.ConfigMaps.OrderBy(c => c.Key, StringComparer.Ordinal).Select(configMap => Merge(configMap.Key, configMap.Value)));
        return (patches, configMaps);
    }

    public static GeneratorArgs Merge(string name, IReadOnlyDictionary<string, string> literals) => new()
    {
        Name = name,
        Behavior = "merge",
        Literals = literals.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => BaseManifests.Literal(l.Key, l.Value)).ToList(),
    };

    public static PatchTarget TargetOf(k8s.IKubernetesObject workload, string name) => new()
    {
        Group = workload.ApiVersion.Contains('/') ? workload.ApiVersion.Split('/')[0] : null,
        Version = workload.ApiVersion.Split('/')[^1],
        Kind = workload.Kind,
        Name = name,
    };

    private static Dictionary<string, object> ResourceValue(ComputeResources resources)
    {
        var value = new Dictionary<string, object> { ["requests"] = new SortedDictionary<string, string>(resources.Requests.ToDictionary(), StringComparer.Ordinal) };
        if (resources.Limits.Count > 0)
        {
            value["limits"] = new SortedDictionary<string, string>(resources.Limits.ToDictionary(), StringComparer.Ordinal);
        }

        return value;
    }
}

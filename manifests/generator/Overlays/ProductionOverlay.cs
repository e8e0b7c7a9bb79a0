using HpcAspire.KubernetesManifests.Kustomize;
using HpcAspire.KubernetesManifests.Profile;

namespace HpcAspire.KubernetesManifests.Overlays;

/// <summary>
/// manifests/overlays/production: replicas, compute resources, a storage class, brokers on distinct nodes. Its
/// Secrets come from the cluster's secret store, never from this repository.
/// </summary>
internal static class ProductionOverlay
{
    public const string Folder = "overlays/production";

    public static void WriteTo(GeneratedTree tree, BaseManifests manifests, DeploymentProfile profile)
    {
        var (patches, configMaps) = SizingPatches.For(profile.Overlays.Production, manifests);
        tree.AddYaml($"{Folder}/kustomization.yaml", new Kustomization
        {
            Resources = ["../../base"],
            ConfigMapGenerator = configMaps.Count == 0 ? null : configMaps,
            Patches = patches.Count == 0 ? null : patches,
        }.ToYaml(), profile.Overlays.Production.Comment);
    }
}

using HpcAspire.KubernetesManifests.Kustomize;
using HpcAspire.KubernetesManifests.Profile;

namespace HpcAspire.KubernetesManifests.Overlays;

/// <summary>
/// manifests/overlays/local, for kind, minikube or k3d: small requests, and the Secrets and per-deployment values
/// generated from env files that git ignores (<see cref="LocalValues"/> writes them).
/// </summary>
internal static class LocalOverlay
{
    public const string Folder = "overlays/local";

    public static void WriteTo(GeneratedTree tree, BaseManifests manifests, DeploymentProfile profile)
    {
        var (patches, configMaps) = SizingPatches.For(profile.Overlays.Local, manifests);
        configMaps.AddRange(LocalValues.ConfigMapFiles(profile).Select(file => new GeneratorArgs
        {
            Name = file.ConfigMap,
            Behavior = "merge",
            Envs = [file.FileName],
        }));

        tree.AddYaml($"{Folder}/kustomization.yaml", new Kustomization
        {
            Resources = ["../../base"],
            SecretGenerator = LocalValues.SecretFiles(profile).Select(file => new GeneratorArgs { Name = file.Secret, Envs = [file.FileName] }).ToList(),
            ConfigMapGenerator = configMaps.Count == 0 ? null : configMaps,
            Patches = patches.Count == 0 ? null : patches,
        }.ToYaml(), profile.Overlays.Local.Comment);

        tree.Add($"{Folder}/.gitignore",
            "# Written by `dotnet run --project manifests/generator -- secrets`: generated credentials stay out of git.\n*.env\n");
    }
}

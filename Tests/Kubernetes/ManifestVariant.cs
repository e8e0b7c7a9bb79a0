using System.Text.Json.Nodes;
using HpcAspire.KubernetesManifests;
using HpcAspire.KubernetesManifests.Kustomize;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Kubernetes;

/// <summary>The committed manifest and profile with one change, generated in a temporary folder.</summary>
internal static class ManifestVariant
{
    public static GeneratedTree Generate(Action<JsonObject>? changeManifest = null, Action<JsonObject>? changeProfile = null)
    {
        var directory = TestDirectories.Create("kubernetes-variant");
        var manifest = JsonNode.Parse(File.ReadAllText(RepositoryFiles.Manifest))!.AsObject();
        foreach (var resource in manifest["resources"]!.AsObject())
        {
            // Project paths are relative to the manifest; the copy lives elsewhere.
            if (resource.Value?["path"] is JsonValue path)
            {
                resource.Value["path"] = Path.GetFullPath(path.GetValue<string>(), RepositoryFiles.Root);
            }
        }

        changeManifest?.Invoke(manifest["resources"]!.AsObject());
        var profile = JsonNode.Parse(File.ReadAllText(RepositoryFiles.Profile), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        changeProfile?.Invoke(profile);

        var manifestPath = Path.Combine(directory, "aspire-manifest.json");
        var profilePath = Path.Combine(directory, "profile.json");
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        File.WriteAllText(profilePath, profile.ToJsonString());
        return ManifestGenerator.Generate(manifestPath, profilePath);
    }
}

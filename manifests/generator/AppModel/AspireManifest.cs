using System.Text.Json;
using System.Text.Json.Serialization;

namespace HpcAspire.KubernetesManifests.AppModel;

/// <summary>The resources of an Aspire publishing manifest (aspire-manifest.json), by name.</summary>
internal sealed record AspireManifest(IReadOnlyDictionary<string, ManifestResource> Resources)
{
    // Unknown fields fail the read: a manifest feature the generator does not map must not be dropped silently.
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static AspireManifest Load(string path)
    {
        using var stream = File.OpenRead(path);
        var document = JsonSerializer.Deserialize<ManifestDocument>(stream, Options)
            ?? throw new InvalidDataException($"{path} holds no manifest.");
        return new AspireManifest(new SortedDictionary<string, ManifestResource>(document.Resources, StringComparer.Ordinal));
    }

    public ManifestResource this[string name] =>
        Resources.TryGetValue(name, out var resource)
            ? resource
            : throw new InvalidDataException($"The manifest has no resource named '{name}'.");

    private sealed record ManifestDocument(Dictionary<string, ManifestResource> Resources);
}

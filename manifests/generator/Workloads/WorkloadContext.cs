using HpcAspire.KubernetesManifests.AppModel;
using HpcAspire.KubernetesManifests.Profile;
using HpcAspire.KubernetesManifests.Resolution;

namespace HpcAspire.KubernetesManifests.Workloads;

/// <summary>What every workload builder reads: the manifest, the profile, and how expressions resolve.</summary>
internal sealed record WorkloadContext(AspireManifest Manifest, DeploymentProfile Profile, ClusterTopology Topology,
    ExpressionResolver Resolver, string ManifestDirectory)
{
    public SortedDictionary<string, ResolvedValue> ResolvedEnv(string name, ManifestResource resource)
    {
        var env = new SortedDictionary<string, ResolvedValue>(StringComparer.Ordinal);
        foreach (var (key, value) in resource.Env)
        {
            env[key] = Resolver.Resolve(value, self: name);
        }

        return env;
    }

    /// <summary>Command-line arguments; Kubernetes could expand $(VAR) in them, but none of this manifest's need it.</summary>
    public List<string>? ResolvedArgs(string name, ManifestResource resource)
    {
        if (resource.Args.Count == 0)
        {
            return null;
        }

        return resource.Args.Select(argument => Resolver.Resolve(argument, self: name) switch
        {
            { IsLiteral: true } literal => DependentExpansion.EscapeLiteral(literal.LiteralText),
            _ => throw new InvalidDataException($"An argument of '{name}' refers to a secret or pod field; pass it through env instead."),
        }).ToList();
    }

    public VolumeClaim? ClaimOf(string name, ManifestResource resource, StorageProfile? storage)
    {
        if (resource.Volumes.Count > 1)
        {
            throw new InvalidDataException($"'{name}' declares {resource.Volumes.Count} volumes; the generator maps one data volume per pod.");
        }

        var mountPath = resource.Volumes.FirstOrDefault()?.Target ?? storage?.Path;
        if (mountPath is null)
        {
            return null;
        }

        return storage is null
            ? throw new InvalidDataException($"'{name}' keeps data at {mountPath}: give it \"storage\" with a size in profile.json.")
            : new VolumeClaim(mountPath, storage.Size);
    }
}

using System.Text.RegularExpressions;
using HpcAspire.KubernetesManifests.AppModel;
using HpcAspire.KubernetesManifests.Profile;

namespace HpcAspire.KubernetesManifests.Resolution;

/// <summary>
/// Where each manifest resource is reached inside the cluster. A resource with bindings is a Service of its own
/// name whose ports are the bindings' target ports, as on Aspire's container network; a broker-set member is one
/// pod of the set's StatefulSet, named through the headless Service.
/// </summary>
internal sealed class ClusterTopology
{
    private readonly AspireManifest _manifest;
    private readonly DeploymentProfile _profile;
    private readonly Regex? _memberHost;

    public ClusterTopology(AspireManifest manifest, DeploymentProfile profile)
    {
        _manifest = manifest;
        _profile = profile;
        BrokerSets = profile.BrokerSets
            .OrderBy(set => set.Key, StringComparer.Ordinal)
            .Select(set => BrokerSet.Find(set.Key, set.Value, manifest))
            .ToList();

        var members = BrokerSets.SelectMany(set => set.Members).OrderByDescending(member => member.Length).ToList();
        if (members.Count > 0)
        {
            // A member's name written as a host (kafka-1:9093, 1@kafka-1:9094, PLAINTEXT://kafka-1:9093).
            _memberHost = new Regex($"(?<![A-Za-z0-9.-])({string.Join('|', members.Select(Regex.Escape))})(?=:[0-9])");
        }
    }

    public IReadOnlyList<BrokerSet> BrokerSets { get; }

    public BrokerSet? BrokerSetOf(string resource) => BrokerSets.FirstOrDefault(set => set.Members.Contains(resource));

    /// <summary>The host of <paramref name="resource"/>, as seen from <paramref name="self"/>'s pod.</summary>
    public ResolvedValue Host(string resource, string? self)
    {
        if (BrokerSetOf(resource) is not { } set)
        {
            return ResolvedValue.Literal(resource);
        }

        // A broker's own address is its pod's name, so every broker of the set shares one pod template.
        return resource == self
            ? new ResolvedValue([new SourcePart(PodField.Name), new LiteralPart($".{set.Profile.HeadlessService}")])
            : ResolvedValue.Literal(set.PodHost(set.OrdinalOf(resource)));
    }

    public int TargetPort(string resource, string binding)
    {
        var manifestResource = _manifest[resource];
        if (!manifestResource.Bindings.TryGetValue(binding, out var found))
        {
            throw new InvalidDataException($"Resource '{resource}' has no binding '{binding}'.");
        }

        if (found.TargetPort is { } port)
        {
            return port;
        }

        return manifestResource.Type == "project.v0"
            ? _profile.Projects.HttpPort
            : throw new InvalidDataException($"Binding '{binding}' of '{resource}' has no targetPort; a Service needs one.");
    }

    public string Scheme(string resource, string binding) => _manifest[resource].Bindings[binding].Scheme;

    /// <summary>Broker-set members named literally as hosts, rewritten to their pods' DNS names.</summary>
    public string RewriteMemberHosts(string text) =>
        _memberHost is null
            ? text
            : _memberHost.Replace(text, match =>
            {
                var set = BrokerSetOf(match.Value)!;
                return set.PodHost(set.OrdinalOf(match.Value));
            });
}

/// <summary>Broker resources of one cluster (kafka-1 … kafka-N) that run as the pods of one StatefulSet.</summary>
internal sealed record BrokerSet(string Name, BrokerSetProfile Profile, IReadOnlyList<string> Members)
{
    public static BrokerSet Find(string name, BrokerSetProfile profile, AspireManifest manifest)
    {
        var pattern = new Regex(profile.Members);
        var members = manifest.Resources
            .Where(resource => resource.Value.Type == "container.v0")
            .Select(resource => (resource.Key, Match: pattern.Match(resource.Key)))
            .Where(candidate => candidate.Match.Success)
            .Select(candidate => (candidate.Key, Number: int.Parse(candidate.Match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .OrderBy(member => member.Number)
            .ToList();

        if (members.Count == 0)
        {
            throw new InvalidDataException($"No container.v0 resource matches broker set '{name}' ({profile.Members}).");
        }

        if (!members.Select(member => member.Number).SequenceEqual(Enumerable.Range(1, members.Count)))
        {
            throw new InvalidDataException($"Broker set '{name}' must be numbered 1 to {members.Count}: {string.Join(", ", members.Select(m => m.Key))}.");
        }

        return new BrokerSet(name, profile, members.Select(member => member.Key).ToList());
    }

    /// <summary>StatefulSet ordinals start at 0; member kafka-1 is pod kafka-0.</summary>
    public int OrdinalOf(string member) => Members.ToList().IndexOf(member) is >= 0 and var ordinal
        ? ordinal
        : throw new InvalidDataException($"'{member}' is not a member of broker set '{Name}'.");

    /// <summary>Short DNS name of a broker pod: resolves from every pod of the namespace through its DNS search path.</summary>
    public string PodHost(int ordinal) => $"{Name}-{ordinal}.{Profile.HeadlessService}";
}

using System.Globalization;
using HpcAspire.KubernetesManifests.Profile;
using HpcAspire.KubernetesManifests.Resolution;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Workloads;

/// <summary>
/// The manifest's Kafka brokers (kafka-1 … kafka-N, KRaft broker+controller each) as ONE StatefulSet: pod kafka-0 is
/// broker 1. Env that is the same for every broker once its own address is its pod's name goes into the pod
/// template; env that is the broker's number (KAFKA_NODE_ID) is derived from the pod's ordinal when it starts.
/// </summary>
internal static class BrokerSetWorkload
{
    /// <summary>cp-kafka's entry point (CMD of confluentinc/cp-kafka: configure, ensure, launch).</summary>
    private const string ConfluentRun = "/etc/confluent/docker/run";

    private const string LogDirs = "KAFKA_LOG_DIRS";

    public static ResourceFolder Build(WorkloadContext context, BrokerSet set)
    {
        var members = set.Members.Select(member => (Name: member, Resource: context.Manifest[member])).ToList();
        var first = members[0].Resource;
        foreach (var (member, resource) in members)
        {
            if (resource.Image != first.Image || resource.Entrypoint is not null || resource.Args.Count > 0
                || !resource.Bindings.Keys.Order().SequenceEqual(first.Bindings.Keys.Order()))
            {
                throw new InvalidDataException($"Broker '{member}' differs from '{members[0].Name}' in image, bindings or command; one pod template cannot run both.");
            }
        }

        var (shared, numbered) = MergeEnv(context, members.Select(member => member.Name).ToList());
        var claim = context.ClaimOf(members[0].Name, first, set.Profile.Storage)
            ?? throw new InvalidDataException($"Broker set '{set.Name}' needs a data volume.");
        if (!shared.TryGetValue(LogDirs, out var logDirs) || logDirs.SameAs(ResolvedValue.Literal(claim.MountPath)))
        {
            // A fresh ext4 claim holds lost+found at its root, and Kafka refuses to start with a directory in its log
            // directory that is not a partition: on a claim the logs live one level down (Docker volumes have no lost+found).
            shared[LogDirs] = ResolvedValue.Literal($"{claim.MountPath}/logs");
        }

        shared["POD_NAME"] = ResolvedValue.From(PodField.Name);
        var environment = ContainerEnvironment.From(shared);
        var bindings = first.Bindings.Keys.Order(StringComparer.Ordinal).ToList();
        var container = new V1Container
        {
            Name = "kafka",
            Image = PodTemplate.PinnedImage(first.Image ?? throw new InvalidDataException($"'{members[0].Name}' has no image."), members[0].Name),
            ImagePullPolicy = "IfNotPresent",
            Command = ["bash", "-c", StartScript(numbered)],
            Ports = ServiceObjects.ContainerPorts(bindings, members[0].Name, context.Topology),
            EnvFrom = ContainerWorkload.EnvFrom(set.Name, environment),
            Env = environment.Variables.ToList(),
            Resources = PodTemplate.Resources(set.Profile.Resources),
        };
        Probes.Apply(container, new ProbeProfile { Binding = set.Profile.ClientBinding });

        var template = PodTemplate.For(set.Name, container, new V1PodSecurityContext { FsGroup = set.Profile.FsGroup }, SpreadOverNodes(set.Name));
        var statefulSet = (V1StatefulSet)Controllers.Create(WorkloadKind.StatefulSet, set.Name, set.Members.Count, template,
            strategy: null, claim, set.Profile.HeadlessService, context.Profile.Jobs.BackoffLimit);
        // All brokers start together: the controller quorum needs a majority of them before any becomes ready.
        statefulSet.Spec.PodManagementPolicy = "Parallel";

        var disruptionBudget = new V1PodDisruptionBudget
        {
            ApiVersion = "policy/v1",
            Kind = "PodDisruptionBudget",
            Metadata = new V1ObjectMeta { Name = set.Name, Labels = Labels.Of(set.Name) },
            // One broker down at a time keeps min.insync.replicas and the quorum's majority through node drains.
            Spec = new V1PodDisruptionBudgetSpec { MaxUnavailable = 1, Selector = new V1LabelSelector { MatchLabels = Labels.Of(set.Name) } },
        };

        return new ResourceFolder(set.Name,
            [
                new ManifestFile("statefulset.yaml", [statefulSet]),
                new ManifestFile("service.yaml",
                [
                    ServiceObjects.For(set.Profile.HeadlessService, set.Name, bindings, members[0].Name, context.Topology, headless: true),
                    ServiceObjects.For(set.Profile.BootstrapService, set.Name, [set.Profile.ClientBinding], members[0].Name, context.Topology),
                ]),
                new ManifestFile("poddisruptionbudget.yaml", [disruptionBudget]),
            ],
            ContainerWorkload.ConfigMaps(set.Name, environment));
    }

    /// <summary>Env shared by all brokers, and the names of env whose value is the broker's own number.</summary>
    private static (SortedDictionary<string, ResolvedValue> Shared, SortedSet<string> Numbered) MergeEnv(WorkloadContext context, IReadOnlyList<string> members)
    {
        var perMember = members.Select(member => context.ResolvedEnv(member, context.Manifest[member])).ToList();
        var shared = new SortedDictionary<string, ResolvedValue>(StringComparer.Ordinal);
        var numbered = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var key in perMember.SelectMany(env => env.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            if (perMember.Any(env => !env.ContainsKey(key)))
            {
                throw new InvalidDataException($"Only some brokers set {key}; one pod template cannot express that.");
            }

            var values = perMember.Select(env => env[key]).ToList();
            if (values.All(value => value.SameAs(values[0])))
            {
                shared[key] = values[0];
            }
            else if (values.Select((value, index) => value.IsLiteral && value.LiteralText == (index + 1).ToString(CultureInfo.InvariantCulture)).All(matches => matches))
            {
                numbered.Add(key);
            }
            else
            {
                throw new InvalidDataException($"{key} differs between brokers in a way other than their own address or number: {string.Join(" | ", values)}.");
            }
        }

        return (shared, numbered);
    }

    /// <summary>Exports the broker's number (pod kafka-2 is broker 3), makes the log directory, then runs cp-kafka as its image would.</summary>
    private static string StartScript(IEnumerable<string> numbered)
    {
        var lines = numbered.Select(key => $"export {key}=\"$(( ${{POD_NAME##*-}} + 1 ))\"").ToList();
        lines.Add($"mkdir -p \"${LogDirs}\"");
        lines.Add($"exec {ConfluentRun}");
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>
    /// Brokers on different nodes where the cluster has them; "preferred", so a one-node kind or minikube still runs all
    /// three. The production overlay makes it "required".
    /// </summary>
    private static V1Affinity SpreadOverNodes(string name) => new()
    {
        PodAntiAffinity = new V1PodAntiAffinity
        {
            PreferredDuringSchedulingIgnoredDuringExecution =
            [
                new V1WeightedPodAffinityTerm
                {
                    Weight = 100,
                    PodAffinityTerm = new V1PodAffinityTerm
                    {
                        TopologyKey = "kubernetes.io/hostname",
                        LabelSelector = new V1LabelSelector { MatchLabels = Labels.Of(name) },
                    },
                },
            ],
        },
    };
}

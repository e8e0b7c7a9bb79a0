using System.Globalization;
using System.Text.RegularExpressions;
using HpcAspire.KubernetesManifests.Kustomize;
using HpcAspire.KubernetesManifests.Overlays;
using HpcAspire.KubernetesManifests.Resolution;
using HpcAspire.KubernetesManifests.Workloads;
using k8s;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Operators;

/// <summary>
/// manifests/overlays/operators, for clusters that run Strimzi and the RabbitMQ cluster operator: a Kafka with a
/// KafkaNodePool and a KafkaTopic per application topic in place of the broker StatefulSet and the topics Job, a
/// RabbitmqCluster in place of the RabbitMQ StatefulSet, and the services pointed at them.
/// </summary>
internal static class OperatorsOverlay
{
    public const string Folder = "overlays/operators";

    /// <summary>Strimzi's plain internal listener, reached through &lt;cluster&gt;-kafka-bootstrap.</summary>
    private const int ListenerPort = 9092;

    /// <summary>Env of the cp-kafka image that is not a broker setting (its kafka.properties.template excludes them).</summary>
    private static readonly string[] ImageOnlyEnv =
    [
        "KAFKA_VERSION", "KAFKA_HEAP_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_OPTS", "KAFKA_JMX_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS",
        "KAFKA_GC_LOG_OPTS", "KAFKA_LOG4J_ROOT_LOGLEVEL", "KAFKA_LOG4J_LOGGERS", "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    ];

    /// <summary>Settings Strimzi manages itself and rejects in spec.kafka.config (KafkaClusterSpec.FORBIDDEN_PREFIXES).</summary>
    private static readonly string[] ForbiddenPrefixes =
    [
        "listeners", "advertised.", "broker.", "listener.", "host.name", "port", "inter.broker.listener.name", "sasl.", "ssl.",
        "security.", "password.", "log.dir", "authorizer.", "super.user", "node.id", "process.roles", "controller.",
        "metadata.log.dir", "cordoned.log.dirs",
    ];

    public static void WriteTo(GeneratedTree tree, BaseManifests manifests, WorkloadContext context)
    {
        var profile = context.Profile.Overlays.Operators;
        if (context.Topology.BrokerSets is not [var brokers])
        {
            throw new InvalidDataException("The operators overlay maps exactly one broker set to one Strimzi Kafka.");
        }

        var bootstrap = $"{profile.KafkaCluster}-kafka-bootstrap:{ListenerPort}";
        var replaced = new HashSet<string>([brokers.Name, profile.RabbitmqResource, profile.TopicsJob], StringComparer.Ordinal);
        var kept = manifests.Workloads.Where(folder => !replaced.Contains(folder.Name)).ToList();
        var topics = context.Manifest.Resources.ContainsKey(profile.TopicsJob)
            ? TopicDefinition.FromEnvironment(context.Manifest[profile.TopicsJob].Env)
            : [];

        tree.AddObjects($"{Folder}/kafka.yaml", [NodePool(profile), Kafka(context, brokers, profile)]);
        tree.AddObjects($"{Folder}/rabbitmq.yaml", [Rabbitmq(context, profile)]);
        var files = new List<string> { "kafka.yaml", "rabbitmq.yaml" };
        if (topics.Count > 0)
        {
            tree.AddObjects($"{Folder}/kafka-topics.yaml", topics.Select(topic => Topic(topic, profile.KafkaCluster)));
            files.Add("kafka-topics.yaml");
        }

        tree.AddYaml($"{Folder}/kustomization.yaml", new Kustomization
        {
            Resources = kept.Select(folder => $"../../base/{folder.Name}").Append($"../../base/{BaseManifests.SharedConfigFolder}").Concat(files).ToList(),
            Labels = [new LabelSet { Pairs = new() { ["app.kubernetes.io/part-of"] = context.Profile.PartOf }, IncludeTemplates = true }],
            ConfigMapGenerator = BootstrapRewrites(kept.Append(manifests.SharedConfig), brokers, bootstrap).ToList(),
        }.ToYaml(),
            $"""
            For clusters that run Strimzi (1.0, or 0.49 and later: kafka.strimzi.io/v1) and the RabbitMQ cluster operator.
            Kafka is the Strimzi cluster {profile.KafkaCluster} (bootstrap {bootstrap}), its topics are KafkaTopics,
            and RabbitMQ is the RabbitmqCluster {profile.RabbitmqResource}: its Service keeps that name, and the Secret
            {profile.RabbitmqResource}-default-user it creates (keys username, password) is the one the services read.
            The operator's generated credentials are base64url (letters, digits, '-', '_'): their own URI encoding.
            The in-repo brokers, topics Job and RabbitMQ StatefulSet are left out.
            """);
    }

    /// <summary>Every literal broker list (kafka-0.kafka-brokers:9092,…) in the kept ConfigMaps, as the one bootstrap address.</summary>
    private static IEnumerable<GeneratorArgs> BootstrapRewrites(IEnumerable<ResourceFolder> folders, BrokerSet brokers, string bootstrap)
    {
        var address = $"(?:[A-Za-z_]+://)?{Regex.Escape(brokers.Name)}-[0-9]+\\.{Regex.Escape(brokers.Profile.HeadlessService)}:[0-9]+";
        var brokerList = new Regex($"(?<scheme>[A-Za-z_]+://)?{Regex.Escape(brokers.Name)}-[0-9]+\\.{Regex.Escape(brokers.Profile.HeadlessService)}:[0-9]+(?:,{address})*");
        foreach (var configMap in folders.SelectMany(folder => folder.ConfigMaps).OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var rewritten = configMap.Literals
                .Where(literal => brokerList.IsMatch(literal.Value))
                .ToDictionary(literal => literal.Key, literal => brokerList.Replace(literal.Value, match => match.Groups["scheme"].Value + bootstrap));
            if (rewritten.Count > 0)
            {
                yield return SizingPatches.Merge(configMap.Name, rewritten);
            }
        }
    }

    private static StrimziKafkaNodePool NodePool(Profile.OperatorsOverlayProfile profile) => new()
    {
        Metadata = new V1ObjectMeta { Name = profile.NodePool, Labels = new Dictionary<string, string> { ["strimzi.io/cluster"] = profile.KafkaCluster } },
        Spec = new StrimziKafkaNodePoolSpec
        {
            Replicas = profile.NodePoolReplicas,
            Roles = ["controller", "broker"],
            Storage = new StrimziStorage
            {
                Type = "jbod",
                Volumes = [new StrimziVolume { Id = 0, Type = "persistent-claim", Size = profile.KafkaStorageSize, DeleteClaim = false, KraftMetadata = "shared" }],
            },
            Resources = PodTemplate.Resources(profile.KafkaResources),
        },
    };

    private static StrimziKafka Kafka(WorkloadContext context, BrokerSet brokers, Profile.OperatorsOverlayProfile profile) => new()
    {
        Metadata = new V1ObjectMeta { Name = profile.KafkaCluster },
        Spec = new StrimziKafkaSpec
        {
            Kafka = new StrimziKafkaClusterSpec
            {
                Listeners = [new StrimziListener { Name = "plain", Port = ListenerPort, Type = "internal", Tls = false }],
                Config = BrokerConfig(context, brokers),
            },
            EntityOperator = new StrimziEntityOperatorSpec { TopicOperator = new StrimziTopicOperatorSpec() },
        },
    };

    /// <summary>The brokers' KAFKA_* env as broker settings, named as cp-kafka names them (KAFKA_A_B → a.b, __ → _, ___ → -).</summary>
    private static SortedDictionary<string, object> BrokerConfig(WorkloadContext context, BrokerSet brokers)
    {
        var config = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in context.Manifest[brokers.Members[0]].Env)
        {
            if (!key.StartsWith("KAFKA_", StringComparison.Ordinal) || ImageOnlyEnv.Contains(key))
            {
                continue;
            }

            var property = key["KAFKA_".Length..].ToLowerInvariant().Replace("___", "\u0001").Replace("__", "\u0002").Replace('_', '.')
                .Replace('\u0001', '-').Replace('\u0002', '_');
            if (ForbiddenPrefixes.Any(prefix => property.StartsWith(prefix, StringComparison.Ordinal)))
            {
                continue;
            }

            config[property] = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number
                : bool.TryParse(value, out var flag) ? flag
                : value;
        }

        return config;
    }

    private static RabbitmqCluster Rabbitmq(WorkloadContext context, Profile.OperatorsOverlayProfile profile) => new()
    {
        Metadata = new V1ObjectMeta { Name = profile.RabbitmqResource },
        Spec = new RabbitmqClusterSpec
        {
            // Quorum queues keep their replicas on three nodes.
            Replicas = profile.RabbitmqReplicas,
            Image = context.Manifest[profile.RabbitmqResource].Image,
            Resources = PodTemplate.Resources(profile.RabbitmqResources),
            Persistence = new RabbitmqClusterPersistence { Storage = new ResourceQuantity(profile.RabbitmqStorageSize) },
        },
    };

    private static StrimziKafkaTopic Topic(TopicDefinition topic, string cluster) => new()
    {
        Metadata = new V1ObjectMeta { Name = topic.Name, Labels = new Dictionary<string, string> { ["strimzi.io/cluster"] = cluster } },
        Spec = new StrimziKafkaTopicSpec
        {
            Partitions = topic.Partitions,
            Replicas = topic.ReplicationFactor,
            Config = new SortedDictionary<string, object>(StringComparer.Ordinal) { ["min.insync.replicas"] = topic.MinInsyncReplicas },
        },
    };
}

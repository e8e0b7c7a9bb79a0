using k8s;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Operators;

// Typed models of the Strimzi fields the operators overlay writes, checked against the v1 CRDs of
// strimzi/strimzi-kafka-operator (packaging/install/cluster-operator/040-Crd-kafka.yaml, 043-Crd-kafkatopic.yaml,
// 045-Crd-kafkanodepool.yaml; v1 is served from Strimzi 0.49 on and the only version from 1.0). The tests load the
// built overlay strictly into them, so a field these models lack fails there.

/// <summary>A Kafka cluster managed by Strimzi (KRaft: its nodes come from KafkaNodePools).</summary>
internal sealed class StrimziKafka : IKubernetesObject<V1ObjectMeta>
{
    public const string Version = "kafka.strimzi.io/v1";

    public string ApiVersion { get; set; } = Version;

    public string Kind { get; set; } = "Kafka";

    public V1ObjectMeta Metadata { get; set; } = new();

    public StrimziKafkaSpec Spec { get; set; } = new();
}

internal sealed class StrimziKafkaSpec
{
    public StrimziKafkaClusterSpec Kafka { get; set; } = new();

    public StrimziEntityOperatorSpec? EntityOperator { get; set; }
}

internal sealed class StrimziKafkaClusterSpec
{
    public List<StrimziListener> Listeners { get; set; } = [];

    /// <summary>Broker settings; Strimzi rejects those it manages (listeners, node.id, controller.*, log.dir…).</summary>
    public SortedDictionary<string, object>? Config { get; set; }
}

internal sealed class StrimziListener
{
    public string Name { get; set; } = "";

    public int Port { get; set; }

    /// <summary>internal: reachable inside the cluster through the &lt;cluster&gt;-kafka-bootstrap Service.</summary>
    public string Type { get; set; } = "";

    public bool Tls { get; set; }
}

internal sealed class StrimziEntityOperatorSpec
{
    /// <summary>Present (even empty) to run the Topic Operator, which reconciles KafkaTopic resources.</summary>
    public StrimziTopicOperatorSpec? TopicOperator { get; set; }
}

internal sealed class StrimziTopicOperatorSpec;

/// <summary>A pool of Kafka nodes with the same roles and storage (label strimzi.io/cluster names its Kafka).</summary>
internal sealed class StrimziKafkaNodePool : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = StrimziKafka.Version;

    public string Kind { get; set; } = "KafkaNodePool";

    public V1ObjectMeta Metadata { get; set; } = new();

    public StrimziKafkaNodePoolSpec Spec { get; set; } = new();
}

internal sealed class StrimziKafkaNodePoolSpec
{
    public int Replicas { get; set; }

    /// <summary>broker and controller: combined nodes, as the in-repo StatefulSet runs them.</summary>
    public List<string> Roles { get; set; } = [];

    public StrimziStorage Storage { get; set; } = new();

    public V1ResourceRequirements? Resources { get; set; }
}

internal sealed class StrimziStorage
{
    /// <summary>jbod, persistent-claim or ephemeral.</summary>
    public string Type { get; set; } = "";

    public List<StrimziVolume>? Volumes { get; set; }
}

internal sealed class StrimziVolume
{
    public int Id { get; set; }

    public string Type { get; set; } = "";

    public string? Size { get; set; }

    public string? Class { get; set; }

    public bool DeleteClaim { get; set; }

    /// <summary>shared: the KRaft metadata log lives on this volume too.</summary>
    public string? KraftMetadata { get; set; }
}

/// <summary>A topic the Topic Operator creates and keeps as declared.</summary>
internal sealed class StrimziKafkaTopic : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = StrimziKafka.Version;

    public string Kind { get; set; } = "KafkaTopic";

    public V1ObjectMeta Metadata { get; set; } = new();

    public StrimziKafkaTopicSpec Spec { get; set; } = new();
}

internal sealed class StrimziKafkaTopicSpec
{
    /// <summary>Only when the topic's name is not a valid resource name.</summary>
    public string? TopicName { get; set; }

    public int Partitions { get; set; }

    public int Replicas { get; set; }

    public SortedDictionary<string, object>? Config { get; set; }
}

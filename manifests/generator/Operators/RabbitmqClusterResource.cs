using k8s;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Operators;

// Typed model of the RabbitmqCluster fields the operators overlay writes, checked against the CRD of
// rabbitmq/cluster-operator (config/crd/bases/rabbitmq.com_rabbitmqclusters.yaml, rabbitmq.com/v1beta1). The
// operator creates a Service named like the cluster and a Secret <name>-default-user with the keys username,
// password, host, port and connection_string (internal/resource/default_user_secret.go).

internal sealed class RabbitmqCluster : IKubernetesObject<V1ObjectMeta>
{
    public const string Version = "rabbitmq.com/v1beta1";

    public string ApiVersion { get; set; } = Version;

    public string Kind { get; set; } = "RabbitmqCluster";

    public V1ObjectMeta Metadata { get; set; } = new();

    public RabbitmqClusterSpec Spec { get; set; } = new();
}

internal sealed class RabbitmqClusterSpec
{
    public int Replicas { get; set; }

    public string? Image { get; set; }

    public V1ResourceRequirements? Resources { get; set; }

    public RabbitmqClusterPersistence? Persistence { get; set; }
}

internal sealed class RabbitmqClusterPersistence
{
    public string? StorageClassName { get; set; }

    public ResourceQuantity? Storage { get; set; }
}

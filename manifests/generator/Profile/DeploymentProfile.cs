using System.Text.Json;
using System.Text.Json.Serialization;

namespace HpcAspire.KubernetesManifests.Profile;

/// <summary>
/// What the Aspire manifest does not say and a cluster needs (profile.json): images of the projects, workload kinds,
/// replicas, compute resources, storage, probes, where parameters come from, and what each overlay changes.
/// </summary>
internal sealed record DeploymentProfile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The <c>app.kubernetes.io/part-of</c> label of every object.</summary>
    public required string PartOf { get; init; }

    public required ProjectDefaults Projects { get; init; }

    public required JobDefaults Jobs { get; init; }

    /// <summary>Where each parameter.v0's value comes from in the cluster, by parameter name.</summary>
    public required IReadOnlyDictionary<string, ParameterSource> Parameters { get; init; }

    /// <summary>Container resources that are members of one broker cluster, collapsed into one StatefulSet named by the key.</summary>
    public IReadOnlyDictionary<string, BrokerSetProfile> BrokerSets { get; init; } = new Dictionary<string, BrokerSetProfile>();

    /// <summary>Per manifest resource (container.v0, project.v0): how it runs.</summary>
    public IReadOnlyDictionary<string, WorkloadProfile> Workloads { get; init; } = new Dictionary<string, WorkloadProfile>();

    /// <summary>Settings every service reads from one ConfigMap, so an overlay changes them once.</summary>
    public required SharedSettings Shared { get; init; }

    public required OverlayProfiles Overlays { get; init; }

    public static DeploymentProfile Load(string path)
    {
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<DeploymentProfile>(stream, Options)
            ?? throw new InvalidDataException($"{path} holds no profile.");
    }

    public WorkloadProfile WorkloadOf(string resource) =>
        Workloads.TryGetValue(resource, out var workload) ? workload : new WorkloadProfile();
}

/// <summary>Defaults of the .NET services (project.v0 resources).</summary>
internal sealed record ProjectDefaults
{
    /// <summary>Tag of the images the SDK publishes (the projects' Version); never <c>latest</c>.</summary>
    public required string ImageTag { get; init; }

    /// <summary>ASPNETCORE_HTTP_PORTS of the images: their http binding's target port.</summary>
    public required int HttpPort { get; init; }

    /// <summary>The images' non-root user (app, uid 1654); also the group that owns their volumes.</summary>
    public required long RunAsUser { get; init; }

    public required string ReadinessPath { get; init; }

    public required string LivenessPath { get; init; }

    public required ComputeResources Resources { get; init; }
}

internal sealed record JobDefaults
{
    public required int BackoffLimit { get; init; }

    public required ComputeResources Resources { get; init; }
}

internal sealed record ParameterSource
{
    /// <summary>A ConfigMap the base generates with <see cref="Default"/>, for parameters that are not secret.</summary>
    public string? ConfigMap { get; init; }

    /// <summary>A Secret that no file in git holds: an overlay generates it or an external store provides it.</summary>
    public string? Secret { get; init; }

    public required string Key { get; init; }

    public string? Default { get; init; }

    /// <summary>What the local overlay's value is, written with the local secrets; none: the base default.</summary>
    public LocalValue? Local { get; init; }
}

internal enum LocalValue
{
    /// <summary>The UTC time, to the second, at which the local values are written: a simulation that starts now.</summary>
    UtcNow,
}

internal sealed record BrokerSetProfile
{
    /// <summary>Regular expression matching the member resources; its first group is the member's 1-based number.</summary>
    public required string Members { get; init; }

    /// <summary>Headless Service that gives each broker pod its DNS name.</summary>
    public required string HeadlessService { get; init; }

    /// <summary>ClusterIP Service over all brokers, for clients that bootstrap from one address.</summary>
    public required string BootstrapService { get; init; }

    /// <summary>The members' binding that clients use.</summary>
    public required string ClientBinding { get; init; }

    public required StorageProfile Storage { get; init; }

    public required long FsGroup { get; init; }

    public required ComputeResources Resources { get; init; }
}

internal enum WorkloadKind
{
    Deployment,
    StatefulSet,
    Job,
}

internal sealed record WorkloadProfile
{
    public WorkloadKind? Kind { get; init; }

    public int Replicas { get; init; } = 1;

    /// <summary>Deployment strategy: Recreate where two instances must never run at once.</summary>
    public string? Strategy { get; init; }

    public StorageProfile? Storage { get; init; }

    public ProbeProfile? Probe { get; init; }

    public long? RunAsUser { get; init; }

    public long? FsGroup { get; init; }

    /// <summary>An env var set to the pod's StatefulSet ordinal (0, 1, ...) instead of the manifest's value.</summary>
    public string? OrdinalEnv { get; init; }

    public ComputeResources? Resources { get; init; }
}

internal sealed record StorageProfile
{
    public required string Size { get; init; }

    /// <summary>Mount path when the manifest declares no volume for the resource.</summary>
    public string? Path { get; init; }
}

internal sealed record ProbeProfile
{
    public required string Binding { get; init; }

    /// <summary>HTTP paths; without them the probes open a TCP connection to the binding's port.</summary>
    public string? ReadinessPath { get; init; }

    public string? LivenessPath { get; init; }
}

internal sealed record ComputeResources
{
    public required IReadOnlyDictionary<string, string> Requests { get; init; }

    public IReadOnlyDictionary<string, string> Limits { get; init; } = new Dictionary<string, string>();
}

internal sealed record SharedSettings
{
    /// <summary>ConfigMap with OTEL_EXPORTER_OTLP_ENDPOINT for every .NET service; empty switches the exporter off.</summary>
    public required string OtelConfigMap { get; init; }

    /// <summary>ConfigMap of the connection strings that hold no secret, one key per resource.</summary>
    public required string ConnectionsConfigMap { get; init; }
}

internal sealed record OverlayProfiles
{
    public required SizingOverlay Local { get; init; }

    public required SizingOverlay Production { get; init; }

    public required OperatorsOverlayProfile Operators { get; init; }
}

/// <summary>What an overlay changes per workload, and settings it gives the shared ConfigMaps.</summary>
internal sealed record SizingOverlay
{
    public required string Comment { get; init; }

    public string? StorageClassName { get; init; }

    public bool RequiredBrokerAntiAffinity { get; init; }

    /// <summary>Keys the overlay gives the shared ConfigMaps (the OTLP endpoint, the simulation's start), by ConfigMap.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ConfigMaps { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, string>>();

    public IReadOnlyDictionary<string, WorkloadSizing> Workloads { get; init; } = new Dictionary<string, WorkloadSizing>();
}

internal sealed record WorkloadSizing
{
    public int? Replicas { get; init; }

    public ComputeResources? Resources { get; init; }

    public string? StorageSize { get; init; }

    /// <summary>Env of the workload's own ConfigMap that the overlay replaces, e.g. a smaller JVM heap.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
}

/// <summary>Strimzi and the RabbitMQ cluster operator in place of the in-repo brokers.</summary>
internal sealed record OperatorsOverlayProfile
{
    /// <summary>The manifest's RabbitMQ resource; the RabbitmqCluster takes its name, so its Service and Secret keep theirs.</summary>
    public required string RabbitmqResource { get; init; }

    /// <summary>The manifest's topic-creation resource, replaced by one KafkaTopic per topic it creates.</summary>
    public required string TopicsJob { get; init; }

    public required string KafkaCluster { get; init; }

    public required string NodePool { get; init; }

    public required int NodePoolReplicas { get; init; }

    public required string KafkaStorageSize { get; init; }

    public required ComputeResources KafkaResources { get; init; }

    public required int RabbitmqReplicas { get; init; }

    public required string RabbitmqStorageSize { get; init; }

    public required ComputeResources RabbitmqResources { get; init; }
}

using HpcAspire.KubernetesManifests.Profile;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Workloads;

/// <summary>What every pod the generator writes has in common.</summary>
internal static class PodTemplate
{
    public static V1PodTemplateSpec For(string workload, V1Container container, V1PodSecurityContext? security = null,
        V1Affinity? affinity = null, string? restartPolicy = null) => new()
    {
        Metadata = new V1ObjectMeta { Labels = Labels.Of(workload) },
        Spec = new V1PodSpec
        {
            Containers = [container],
            // Service links would inject <SERVICE>_PORT variables: cp-schema-registry exits on SCHEMA_REGISTRY_PORT,
            // cp-kafka on KAFKA_PORT, and the Confluent images turn other KAFKA_* variables into broker settings.
            EnableServiceLinks = false,
            // No pod of this application talks to the Kubernetes API.
            AutomountServiceAccountToken = false,
            SecurityContext = security,
            Affinity = affinity,
            RestartPolicy = restartPolicy,
        },
    };

    /// <summary>Runs as the image's non-root user and lets that user write the pod's volumes (fsGroup).</summary>
    public static V1PodSecurityContext NonRoot(long user) => new()
    {
        RunAsUser = user,
        RunAsGroup = user,
        RunAsNonRoot = true,
        FsGroup = user,
    };

    public static V1ResourceRequirements Resources(ComputeResources resources) => new()
    {
        Requests = resources.Requests.OrderBy(r => r.Key, StringComparer.Ordinal).ToDictionary(r => r.Key, r => new ResourceQuantity(r.Value)),
        Limits = resources.Limits.Count == 0
            ? null
            : resources.Limits.OrderBy(r => r.Key, StringComparer.Ordinal).ToDictionary(r => r.Key, r => new ResourceQuantity(r.Value)),
    };

    /// <summary>The image must name a version: <c>latest</c> or no tag would make a rollout pull whatever is newest.</summary>
    public static string PinnedImage(string image, string resource)
    {
        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        if (!lastSegment.Contains(':') || lastSegment.EndsWith(":latest", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Resource '{resource}' has image '{image}' without a version tag; name one.");
        }

        return image;
    }
}

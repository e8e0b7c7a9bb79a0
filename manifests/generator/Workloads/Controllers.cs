using HpcAspire.KubernetesManifests.Profile;
using k8s;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Workloads;

/// <summary>The workload objects: Deployment, StatefulSet (with a claim per pod where it keeps data) and Job.</summary>
internal static class Controllers
{
    public const string DataVolume = "data";

    public static IKubernetesObject Create(WorkloadKind kind, string name, int replicas, V1PodTemplateSpec template,
        string? strategy, VolumeClaim? claim, string? serviceName, int backoffLimit)
    {
        var selector = new V1LabelSelector { MatchLabels = Labels.Of(name) };
        switch (kind)
        {
            case WorkloadKind.Deployment:
                if (claim is not null)
                {
                    throw new InvalidDataException($"'{name}' keeps data: make it a StatefulSet in profile.json, so each pod has its own claim.");
                }

                return new V1Deployment
                {
                    ApiVersion = "apps/v1",
                    Kind = "Deployment",
                    Metadata = new V1ObjectMeta { Name = name, Labels = Labels.Of(name) },
                    Spec = new V1DeploymentSpec
                    {
                        Replicas = replicas,
                        Selector = selector,
                        Strategy = strategy is null ? null : new V1DeploymentStrategy { Type = strategy },
                        Template = template,
                    },
                };

            case WorkloadKind.StatefulSet:
                Mount(template, claim);
                return new V1StatefulSet
                {
                    ApiVersion = "apps/v1",
                    Kind = "StatefulSet",
                    Metadata = new V1ObjectMeta { Name = name, Labels = Labels.Of(name) },
                    Spec = new V1StatefulSetSpec
                    {
                        Replicas = replicas,
                        ServiceName = serviceName ?? name,
                        Selector = selector,
                        Template = template,
                        VolumeClaimTemplates = claim is null ? null : [claim.Template()],
                    },
                };

            case WorkloadKind.Job:
                if (claim is not null)
                {
                    throw new InvalidDataException($"Job '{name}' declares a volume; a one-shot step should keep nothing.");
                }

                return new V1Job
                {
                    ApiVersion = "batch/v1",
                    Kind = "Job",
                    Metadata = new V1ObjectMeta { Name = name, Labels = Labels.Of(name) },
                    Spec = new V1JobSpec { BackoffLimit = backoffLimit, Template = template },
                };

            default:
                throw new InvalidOperationException($"Unknown workload kind {kind}.");
        }
    }

    private static void Mount(V1PodTemplateSpec template, VolumeClaim? claim)
    {
        if (claim is not null)
        {
            template.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = DataVolume, MountPath = claim.MountPath }];
        }
    }
}

/// <summary>A ReadWriteOnce claim per pod, mounted at <see cref="MountPath"/>.</summary>
internal sealed record VolumeClaim(string MountPath, string Size)
{
    public V1PersistentVolumeClaim Template() => new()
    {
        Metadata = new V1ObjectMeta { Name = Controllers.DataVolume },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(Size) } },
        },
    };
}

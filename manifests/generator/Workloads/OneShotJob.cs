using HpcAspire.KubernetesManifests.AppModel;
using HpcAspire.KubernetesManifests.Profile;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Workloads;

/// <summary>
/// A container.v0 resource that runs once and exits (the topic creation): a Job that retries until its
/// dependencies answer. Its command must be idempotent, since a retry or a second apply runs it again.
/// </summary>
internal static class OneShotJob
{
    public static ResourceFolder Build(WorkloadContext context, string name, ManifestResource resource, WorkloadProfile workload)
    {
        var environment = ContainerEnvironment.From(context.ResolvedEnv(name, resource));
        var container = new V1Container
        {
            Name = name,
            Image = PodTemplate.PinnedImage(resource.Image ?? throw new InvalidDataException($"'{name}' has no image."), name),
            ImagePullPolicy = "IfNotPresent",
            Command = resource.Entrypoint is { } entrypoint ? [entrypoint] : null,
            Args = context.ResolvedArgs(name, resource),
            EnvFrom = ContainerWorkload.EnvFrom(name, environment),
            Env = environment.Variables.Count == 0 ? null : environment.Variables.ToList(),
            Resources = PodTemplate.Resources(workload.Resources ?? context.Profile.Jobs.Resources),
        };

        // OnFailure restarts the container in place with back-off while the brokers are still starting.
        var job = Controllers.Create(WorkloadKind.Job, name, 1, PodTemplate.For(name, container, restartPolicy: "OnFailure"),
            strategy: null, claim: context.ClaimOf(name, resource, workload.Storage), serviceName: null, context.Profile.Jobs.BackoffLimit);
        return new ResourceFolder(name, [new ManifestFile("job.yaml", [job])], ContainerWorkload.ConfigMaps(name, environment));
    }
}

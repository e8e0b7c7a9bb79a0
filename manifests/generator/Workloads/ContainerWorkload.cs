using HpcAspire.KubernetesManifests.AppModel;
using HpcAspire.KubernetesManifests.Profile;
using k8s;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Workloads;

/// <summary>A container.v0 resource that serves (Schema Registry, Kafdrop, RabbitMQ): Deployment or StatefulSet and its Service.</summary>
internal static class ContainerWorkload
{
    public static ResourceFolder Build(WorkloadContext context, string name, ManifestResource resource, WorkloadProfile workload)
    {
        var bindings = resource.Bindings.Keys.Order(StringComparer.Ordinal).ToList();
        var environment = ContainerEnvironment.From(context.ResolvedEnv(name, resource));
        var container = new V1Container
        {
            Name = name,
            Image = PodTemplate.PinnedImage(resource.Image ?? throw new InvalidDataException($"'{name}' has no image."), name),
            ImagePullPolicy = "IfNotPresent",
            Command = resource.Entrypoint is { } entrypoint ? [entrypoint] : null,
            Args = context.ResolvedArgs(name, resource),
            Ports = ServiceObjects.ContainerPorts(bindings, name, context.Topology),
            EnvFrom = EnvFrom(name, environment),
            Env = environment.Variables.Count == 0 ? null : environment.Variables.ToList(),
            Resources = PodTemplate.Resources(workload.Resources
                ?? throw new InvalidDataException($"'{name}' has no \"resources\" in profile.json; every container requests what it needs.")),
        };
        Probes.Apply(container, workload.Probe
            ?? throw new InvalidDataException($"'{name}' serves on {string.Join(", ", bindings)} but has no \"probe\" in profile.json."));

        var security = workload.RunAsUser is { } user
            ? PodTemplate.NonRoot(user)
            : workload.FsGroup is { } group ? new V1PodSecurityContext { FsGroup = group } : null;
        if (security is not null && workload.FsGroup is { } fsGroup)
        {
            security.FsGroup = fsGroup;
        }

        var kind = workload.Kind ?? WorkloadKind.Deployment;
        var controller = Controllers.Create(kind, name, workload.Replicas, PodTemplate.For(name, container, security),
            workload.Strategy, context.ClaimOf(name, resource, workload.Storage), serviceName: name, context.Profile.Jobs.BackoffLimit);

        return new ResourceFolder(name,
            [
                new ManifestFile($"{kind.ToString().ToLowerInvariant()}.yaml", [controller]),
                new ManifestFile("service.yaml", [ServiceObjects.For(name, name, bindings, name, context.Topology)]),
            ],
            ConfigMaps(name, environment));
    }

    public static List<V1EnvFromSource>? EnvFrom(string name, ContainerEnvironment environment, params string[] sharedConfigMaps)
    {
        var sources = sharedConfigMaps.Select(shared => new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = shared } }).ToList();
        if (environment.ConfigMapData.Count > 0)
        {
            sources.Add(new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = EnvConfigMap(name) } });
        }

        return sources.Count == 0 ? null : sources;
    }

    public static string EnvConfigMap(string name) => $"{name}-env";

    public static IReadOnlyList<GeneratedConfigMap> ConfigMaps(string name, ContainerEnvironment environment) =>
        environment.ConfigMapData.Count == 0 ? [] : [new GeneratedConfigMap(EnvConfigMap(name), environment.ConfigMapData)];

    public static IKubernetesObject Single(ResourceFolder folder) => folder.Files[0].Objects[0];
}

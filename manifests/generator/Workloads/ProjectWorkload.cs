using System.Xml.Linq;
using HpcAspire.KubernetesManifests.AppModel;
using HpcAspire.KubernetesManifests.Profile;
using HpcAspire.KubernetesManifests.Resolution;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Workloads;

/// <summary>
/// A .NET service (project.v0): the image its project publishes, /health and /alive probes, the image's non-root
/// user, and its telemetry named after the resource as the Aspire dashboard names it.
/// </summary>
internal static class ProjectWorkload
{
    private const string HttpBinding = "http";

    public static ResourceFolder Build(WorkloadContext context, string name, ManifestResource resource, WorkloadProfile workload)
    {
        var defaults = context.Profile.Projects;
        var env = context.ResolvedEnv(name, resource);
        // Aspire sets the service name only when it runs the app; in the cluster each service still reports as itself.
        env["OTEL_SERVICE_NAME"] = ResolvedValue.Literal(name);
        env["OTEL_RESOURCE_ATTRIBUTES"] = new ResolvedValue([new LiteralPart("service.instance.id="), new SourcePart(PodField.Name)]);
        if (workload.OrdinalEnv is { } ordinalEnv)
        {
            // Each replica of a StatefulSet is one instance (its transactional id, its shards), numbered by its ordinal.
            env[ordinalEnv] = ResolvedValue.From(PodField.StatefulSetOrdinal);
        }

        var environment = ContainerEnvironment.From(env);
        var bindings = resource.Bindings.Keys.Order(StringComparer.Ordinal).ToList();
        var container = new V1Container
        {
            Name = name,
            Image = PodTemplate.PinnedImage($"{ContainerRepository(context, name, resource)}:{defaults.ImageTag}", name),
            ImagePullPolicy = "IfNotPresent",
            Ports = ServiceObjects.ContainerPorts(bindings, name, context.Topology),
            EnvFrom = ContainerWorkload.EnvFrom(name, environment, context.Profile.Shared.OtelConfigMap),
            Env = environment.Variables.ToList(),
            Resources = PodTemplate.Resources(workload.Resources ?? defaults.Resources),
        };
        Probes.Apply(container, workload.Probe ?? new ProbeProfile
        {
            Binding = HttpBinding,
            ReadinessPath = defaults.ReadinessPath,
            LivenessPath = defaults.LivenessPath,
        });

        var kind = workload.Kind ?? WorkloadKind.Deployment;
        if (workload.OrdinalEnv is not null && kind != WorkloadKind.StatefulSet)
        {
            throw new InvalidDataException($"'{name}' numbers its replicas by ordinal: make it a StatefulSet in profile.json.");
        }

        var controller = Controllers.Create(kind, name, workload.Replicas,
            PodTemplate.For(name, container, PodTemplate.NonRoot(workload.RunAsUser ?? defaults.RunAsUser)),
            workload.Strategy, context.ClaimOf(name, resource, workload.Storage), serviceName: name, context.Profile.Jobs.BackoffLimit);

        return new ResourceFolder(name,
            [
                new ManifestFile($"{kind.ToString().ToLowerInvariant()}.yaml", [controller]),
                new ManifestFile("service.yaml", [ServiceObjects.For(name, name, bindings, name, context.Topology)]),
            ],
            ContainerWorkload.ConfigMaps(name, environment));
    }

    /// <summary>The image repository the project publishes to: its ContainerRepository, as docs/containers.md lists.</summary>
    private static string ContainerRepository(WorkloadContext context, string name, ManifestResource resource)
    {
        var project = Path.GetFullPath(resource.Path ?? throw new InvalidDataException($"Project '{name}' has no path."), context.ManifestDirectory);
        var repository = XDocument.Load(project).Descendants("ContainerRepository").Select(element => element.Value.Trim()).FirstOrDefault();
        return repository is { Length: > 0 }
            ? repository
            : throw new InvalidDataException($"{project} names no ContainerRepository; the generator cannot tell its image.");
    }
}

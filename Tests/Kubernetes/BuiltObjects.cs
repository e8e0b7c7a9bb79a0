using k8s.Models;

namespace HpcAspire.Tests.Kubernetes;

/// <summary>The pod templates of a built overlay's workloads, by workload name.</summary>
internal static class BuiltObjects
{
    public static IEnumerable<(string Workload, V1PodSpec Pod)> PodSpecs(IEnumerable<object> objects) =>
        objects.Select(item => item switch
        {
            V1Deployment deployment => (deployment.Metadata.Name, deployment.Spec.Template.Spec),
            V1StatefulSet statefulSet => (statefulSet.Metadata.Name, statefulSet.Spec.Template.Spec),
            V1Job job => (job.Metadata.Name, job.Spec.Template.Spec),
            _ => (null!, null!),
        }).Where(pod => pod.Spec is not null);

    public static IEnumerable<(string Workload, V1Container Container)> Containers(IEnumerable<object> objects) =>
        PodSpecs(objects).SelectMany(pod => pod.Pod.Containers.Concat(pod.Pod.InitContainers ?? []).Select(container => (pod.Workload, container)));

    public static V1EnvVar Env(V1Container container, string name) =>
        container.Env?.SingleOrDefault(variable => variable.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"{container.Name} has no env {name}.");
}

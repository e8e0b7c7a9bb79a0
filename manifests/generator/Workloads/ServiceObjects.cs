using HpcAspire.KubernetesManifests.Resolution;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Workloads;

/// <summary>Services named like the manifest's resources, whose ports are the bindings' target ports.</summary>
internal static class ServiceObjects
{
    public static V1Service For(string name, string selectsWorkload, IEnumerable<string> bindings, string resource,
        ClusterTopology topology, bool headless = false) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, Labels = Labels.Of(selectsWorkload) },
        Spec = new V1ServiceSpec
        {
            ClusterIP = headless ? "None" : null,
            // Brokers must find each other by name before any of them is ready: the quorum forms first.
            PublishNotReadyAddresses = headless ? true : null,
            Selector = Labels.Of(selectsWorkload),
            Ports = bindings.Select(binding => new V1ServicePort
            {
                Name = binding,
                Port = topology.TargetPort(resource, binding),
                TargetPort = binding,
            }).ToList(),
        },
    };

    public static List<V1ContainerPort> ContainerPorts(IEnumerable<string> bindings, string resource, ClusterTopology topology) =>
        bindings.Select(binding => new V1ContainerPort { Name = binding, ContainerPort = topology.TargetPort(resource, binding) }).ToList();
}

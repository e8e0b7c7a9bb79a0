using HpcAspire.KubernetesManifests.Profile;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Workloads;

/// <summary>
/// Readiness (take the pod out of its Service), liveness (restart a stuck process) and a startup probe that gives a
/// slow start five minutes before liveness counts, so a JVM broker recovering its logs is not killed mid-way.
/// </summary>
internal static class Probes
{
    public static void Apply(V1Container container, ProbeProfile probe)
    {
        container.ReadinessProbe = new V1Probe { HttpGet = HttpGet(probe, probe.ReadinessPath), TcpSocket = Tcp(probe, probe.ReadinessPath), PeriodSeconds = 10, FailureThreshold = 3, TimeoutSeconds = 5 };
        container.LivenessProbe = new V1Probe { HttpGet = HttpGet(probe, probe.LivenessPath), TcpSocket = Tcp(probe, probe.LivenessPath), PeriodSeconds = 20, FailureThreshold = 3, TimeoutSeconds = 5 };
        container.StartupProbe = new V1Probe { HttpGet = HttpGet(probe, probe.ReadinessPath), TcpSocket = Tcp(probe, probe.ReadinessPath), PeriodSeconds = 10, FailureThreshold = 30, TimeoutSeconds = 5 };
    }

    private static V1HTTPGetAction? HttpGet(ProbeProfile probe, string? path) =>
        path is null ? null : new V1HTTPGetAction { Path = path, Port = probe.Binding };

    private static V1TCPSocketAction? Tcp(ProbeProfile probe, string? path) =>
        path is null ? new V1TCPSocketAction { Port = probe.Binding } : null;
}

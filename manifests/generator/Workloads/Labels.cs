namespace HpcAspire.KubernetesManifests.Workloads;

internal static class Labels
{
    public const string Name = "app.kubernetes.io/name";

    /// <summary>The label that selects a workload's pods; the base adds <c>app.kubernetes.io/part-of</c> to all objects.</summary>
    public static Dictionary<string, string> Of(string workload) => new(StringComparer.Ordinal) { [Name] = workload };
}

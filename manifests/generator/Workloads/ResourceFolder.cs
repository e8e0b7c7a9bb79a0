using k8s;

namespace HpcAspire.KubernetesManifests.Workloads;

/// <summary>
/// One folder of the base, as aspirate lays it out: the workload and its Service(s) in files of their own, and a
/// kustomization that lists them and generates the workload's ConfigMaps.
/// </summary>
internal sealed record ResourceFolder(string Name, IReadOnlyList<ManifestFile> Files, IReadOnlyList<GeneratedConfigMap> ConfigMaps);

internal sealed record ManifestFile(string FileName, IReadOnlyList<IKubernetesObject> Objects);

/// <summary>A ConfigMap written as a kustomize configMapGenerator, so a change to it rolls the pods that read it.</summary>
internal sealed record GeneratedConfigMap(string Name, IReadOnlyDictionary<string, string> Literals);

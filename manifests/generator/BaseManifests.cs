using HpcAspire.KubernetesManifests.Kustomize;
using HpcAspire.KubernetesManifests.Profile;
using HpcAspire.KubernetesManifests.Workloads;

namespace HpcAspire.KubernetesManifests;

/// <summary>
/// manifests/base: one folder per workload (aspirate's layout), one folder of ConfigMaps that several workloads
/// read, and the kustomization that lists them all.
/// </summary>
internal sealed record BaseManifests(IReadOnlyList<ResourceFolder> Workloads, ResourceFolder SharedConfig)
{
    public const string SharedConfigFolder = "shared-config";

    public static BaseManifests Build(WorkloadContext context)
    {
        var profile = context.Profile;
        foreach (var named in profile.Workloads.Keys.Where(name => !context.Manifest.Resources.ContainsKey(name)))
        {
            throw new InvalidDataException($"profile.json describes '{named}', which the manifest does not have.");
        }

        var folders = new List<ResourceFolder>();
        folders.AddRange(context.Topology.BrokerSets.Select(set => BrokerSetWorkload.Build(context, set)));
        foreach (var (name, resource) in context.Manifest.Resources)
        {
            if (context.Topology.BrokerSetOf(name) is not null)
            {
                continue;
            }

            var workload = profile.WorkloadOf(name);
            switch (resource.Type)
            {
                case "container.v0" when workload.Kind == WorkloadKind.Job || (workload.Kind is null && resource.Bindings.Count == 0):
                    folders.Add(OneShotJob.Build(context, name, resource, workload));
                    break;
                case "container.v0":
                    folders.Add(ContainerWorkload.Build(context, name, resource, workload));
                    break;
                case "project.v0":
                    folders.Add(ProjectWorkload.Build(context, name, resource, workload));
                    break;
                case "parameter.v0" or "value.v0" or "annotated.string":
                    // Values only: resolved where they are used.
                    break;
                default:
                    throw new InvalidDataException($"Resource '{name}' is a {resource.Type}, which the generator does not map.");
            }
        }

        return new BaseManifests(folders.OrderBy(folder => folder.Name, StringComparer.Ordinal).ToList(), SharedConfigOf(context));
    }

    public void WriteTo(GeneratedTree tree, DeploymentProfile profile)
    {
        foreach (var folder in Workloads.Append(SharedConfig))
        {
            foreach (var file in folder.Files)
            {
                tree.AddObjects($"base/{folder.Name}/{file.FileName}", file.Objects);
            }

            tree.AddYaml($"base/{folder.Name}/kustomization.yaml", new Kustomization
            {
                Resources = folder.Files.Count == 0 ? null : folder.Files.Select(file => file.FileName).ToList(),
                ConfigMapGenerator = folder.ConfigMaps.Count == 0 ? null : folder.ConfigMaps.Select(Generator).ToList(),
            }.ToYaml());
        }

        tree.AddYaml("base/kustomization.yaml", new Kustomization
        {
            Resources = Workloads.Select(folder => folder.Name).Append(SharedConfigFolder).Order(StringComparer.Ordinal).ToList(),
            Labels = [new LabelSet { Pairs = new() { ["app.kubernetes.io/part-of"] = profile.PartOf }, IncludeTemplates = true }],
        }.ToYaml());
    }

    public static GeneratorArgs Generator(GeneratedConfigMap configMap) => new()
    {
        Name = configMap.Name,
        Literals = configMap.Literals.Select(literal => Literal(literal.Key, literal.Value)).ToList(),
    };

    public static string Literal(string key, string value) =>
        value.Length > 1 && value[0] is '"' or '\'' && value[^1] == value[0]
            // kustomize strips one pair of surrounding quotes from a literal; such a value would change.
            ? throw new InvalidDataException($"{key}={value}: a quoted value does not survive a kustomize literal.")
            : $"{key}={value}";

    private static ResourceFolder SharedConfigOf(WorkloadContext context)
    {
        var profile = context.Profile;
        var configMaps = new List<GeneratedConfigMap>
        {
            new(profile.Shared.ConnectionsConfigMap, context.Resolver.LiteralConnectionStrings()),
            // Empty keeps the OTLP exporter off (ServiceDefaults); an overlay names the collector.
            new(profile.Shared.OtelConfigMap, new SortedDictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "" }),
        };

        foreach (var group in profile.Parameters.Where(p => p.Value.ConfigMap is not null).GroupBy(p => p.Value.ConfigMap!).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            configMaps.Add(new GeneratedConfigMap(group.Key, new SortedDictionary<string, string>(group.ToDictionary(
                parameter => parameter.Value.Key,
                parameter => parameter.Value.Default ?? throw new InvalidDataException($"Parameter '{parameter.Key}' needs a \"default\" in profile.json.")),
                StringComparer.Ordinal)));
        }

        return new ResourceFolder(SharedConfigFolder, [], configMaps);
    }
}

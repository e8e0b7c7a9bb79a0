using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace HpcAspire.KubernetesManifests.Kustomize;

/// <summary>The fields of kustomize's Kustomization (kustomize.config.k8s.io/v1beta1) that the generated files use.</summary>
internal sealed class Kustomization
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .DisableAliases()
        .Build();

    public string ApiVersion { get; init; } = "kustomize.config.k8s.io/v1beta1";

    public string Kind { get; init; } = "Kustomization";

    public List<string>? Resources { get; init; }

    public List<LabelSet>? Labels { get; init; }

    public List<GeneratorArgs>? ConfigMapGenerator { get; init; }

    public List<GeneratorArgs>? SecretGenerator { get; init; }

    public List<Patch>? Patches { get; init; }

    public List<ImageOverride>? Images { get; init; }

    public string ToYaml() => Serializer.Serialize(this);
}

/// <summary>Labels added to every object (and pod template), but not to selectors, which are immutable.</summary>
internal sealed class LabelSet
{
    public required SortedDictionary<string, string> Pairs { get; init; }

    public bool IncludeSelectors { get; init; }

    public bool IncludeTemplates { get; init; }
}

internal sealed class GeneratorArgs
{
    public required string Name { get; init; }

    /// <summary>create (default), merge or replace: how an overlay's generator treats the base's of the same name.</summary>
    public string? Behavior { get; init; }

    public List<string>? Literals { get; init; }

    public List<string>? Envs { get; init; }
}

internal sealed class Patch
{
    public required PatchTarget Target { get; init; }

    /// <summary>A JSON 6902 patch written as YAML.</summary>
    [YamlMember(Alias = "patch", ScalarStyle = YamlDotNet.Core.ScalarStyle.Literal)]
    public required string Operations { get; init; }
}

internal sealed class PatchTarget
{
    public string? Group { get; init; }

    public string? Version { get; init; }

    public required string Kind { get; init; }

    public required string Name { get; init; }
}

internal sealed class ImageOverride
{
    public required string Name { get; init; }

    public string? NewName { get; init; }

    public string? NewTag { get; init; }
}

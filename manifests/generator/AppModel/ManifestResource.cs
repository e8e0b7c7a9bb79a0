namespace HpcAspire.KubernetesManifests.AppModel;

/// <summary>
/// One resource of the manifest: container.v0, project.v0, parameter.v0, value.v0 or annotated.string.
/// The fields are those of Aspire's manifest format; each kind uses a subset.
/// </summary>
internal sealed record ManifestResource
{
    public required string Type { get; init; }

    public string? Path { get; init; }

    public string? Image { get; init; }

    public string? Entrypoint { get; init; }

    public IReadOnlyList<string> Args { get; init; } = [];

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, ManifestBinding> Bindings { get; init; } = new Dictionary<string, ManifestBinding>();

    public IReadOnlyList<ManifestVolume> Volumes { get; init; } = [];

    public string? ConnectionString { get; init; }

    /// <summary>The value of a parameter.v0, value.v0 or annotated.string.</summary>
    public string? Value { get; init; }

    /// <summary>The filter of an annotated.string (<c>uri</c>: the value percent-encoded).</summary>
    public string? Filter { get; init; }

    public IReadOnlyDictionary<string, ParameterInput> Inputs { get; init; } = new Dictionary<string, ParameterInput>();
}

internal sealed record ManifestBinding
{
    public required string Scheme { get; init; }

    public required string Protocol { get; init; }

    public required string Transport { get; init; }

    public int? TargetPort { get; init; }

    public int? Port { get; init; }

    public bool External { get; init; }
}

internal sealed record ManifestVolume
{
    public required string Name { get; init; }

    public required string Target { get; init; }

    public bool ReadOnly { get; init; }
}

internal sealed record ParameterInput
{
    public required string Type { get; init; }

    public bool Secret { get; init; }

    public ParameterDefault? Default { get; init; }
}

internal sealed record ParameterDefault
{
    public string? Value { get; init; }

    public GeneratedValue? Generate { get; init; }
}

/// <summary>How Aspire generates a parameter's value: its length and which character classes it may use.</summary>
internal sealed record GeneratedValue
{
    public int MinLength { get; init; }

    public bool Lower { get; init; } = true;

    public bool Upper { get; init; } = true;

    public bool Numeric { get; init; } = true;

    public bool Special { get; init; } = true;

    public int MinLower { get; init; }

    public int MinUpper { get; init; }

    public int MinNumeric { get; init; }

    public int MinSpecial { get; init; }
}

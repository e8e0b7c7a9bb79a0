namespace HpcAspire.KubernetesManifests.Resolution;

/// <summary>Where a value that is not written into the manifests comes from when the pod starts.</summary>
internal abstract record ValueSource;

/// <summary>A key of a Secret that no file in git holds; <see cref="Parameter"/> is the manifest parameter it carries.</summary>
internal sealed record SecretKey(string Secret, string Key, string Parameter) : ValueSource;

internal sealed record ConfigMapKey(string ConfigMap, string Key) : ValueSource;

/// <summary>A field of the pod itself (downward API), such as its name.</summary>
internal sealed record PodField(string FieldPath) : ValueSource
{
    public static readonly PodField Name = new("metadata.name");

    /// <summary>The StatefulSet ordinal as a label (Kubernetes 1.28 and later, stable since 1.32).</summary>
    public static readonly PodField StatefulSetOrdinal = new("metadata.labels['apps.kubernetes.io/pod-index']");
}

internal abstract record ValuePart;

internal sealed record LiteralPart(string Text) : ValuePart;

internal sealed record SourcePart(ValueSource Source) : ValuePart;

/// <summary>A manifest value with every <c>{…}</c> expression resolved: literal text and references to sources.</summary>
internal sealed record ResolvedValue(IReadOnlyList<ValuePart> Parts)
{
    public static ResolvedValue Literal(string text) => new([new LiteralPart(text)]);

    public static ResolvedValue From(ValueSource source) => new([new SourcePart(source)]);

    public bool IsLiteral => Parts.All(part => part is LiteralPart);

    public string LiteralText => IsLiteral
        ? string.Concat(Parts.Cast<LiteralPart>().Select(part => part.Text))
        : throw new InvalidOperationException("The value refers to sources resolved in the pod.");

    /// <summary>The one source this value is, when it is exactly one reference and nothing else.</summary>
    public ValueSource? SingleSource => Parts is [SourcePart { Source: var source }] ? source : null;

    public IEnumerable<ValueSource> Sources => Parts.OfType<SourcePart>().Select(part => part.Source);

    /// <summary>Adjacent literals merged, empty ones dropped: two values that mean the same compare equal.</summary>
    public ResolvedValue Normalized()
    {
        var parts = new List<ValuePart>();
        foreach (var part in Parts)
        {
            if (part is LiteralPart { Text: var text })
            {
                if (text.Length == 0)
                {
                    continue;
                }

                if (parts is [.., LiteralPart previous])
                {
                    parts[^1] = new LiteralPart(previous.Text + text);
                    continue;
                }
            }

            parts.Add(part);
        }

        return new ResolvedValue(parts.Count == 0 ? [new LiteralPart("")] : parts);
    }

    public bool SameAs(ResolvedValue other) => Normalized().Parts.SequenceEqual(other.Normalized().Parts);
}

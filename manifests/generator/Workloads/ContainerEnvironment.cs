using System.Text;
using HpcAspire.KubernetesManifests.Resolution;
using k8s.Models;

namespace HpcAspire.KubernetesManifests.Workloads;

/// <summary>
/// A container's resolved env, split the way Kubernetes needs it: plain values into the workload's own
/// ConfigMap (<c>&lt;name&gt;-env</c>), references into <c>valueFrom</c>, and values that mix both into <c>$(VAR)</c>
/// expansions of variables defined earlier in the list, so a password never lands in a ConfigMap.
/// </summary>
internal sealed record ContainerEnvironment(SortedDictionary<string, string> ConfigMapData, IReadOnlyList<V1EnvVar> Variables)
{
    public static ContainerEnvironment From(IEnumerable<KeyValuePair<string, ResolvedValue>> env)
    {
        var values = env.ToDictionary(variable => variable.Key, variable => variable.Value.Normalized(), StringComparer.Ordinal);
        var literals = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var references = new SortedDictionary<string, ValueSource>(StringComparer.Ordinal);
        var composed = new SortedDictionary<string, ResolvedValue>(StringComparer.Ordinal);

        foreach (var (name, value) in values)
        {
            if (value.IsLiteral)
            {
                literals[name] = value.LiteralText;
            }
            else if (value.SingleSource is { } source)
            {
                references[name] = source;
            }
            else
            {
                composed[name] = value;
            }
        }

        var variables = new List<V1EnvVar>();
        var expansions = new List<V1EnvVar>();
        foreach (var (name, value) in composed)
        {
            var text = new StringBuilder();
            foreach (var part in value.Parts)
            {
                text.Append(part switch
                {
                    LiteralPart literal => DependentExpansion.EscapeLiteral(literal.Text),
                    SourcePart source => $"$({VariableFor(source.Source, references, values)})",
                    _ => throw new InvalidOperationException(),
                });
            }

            expansions.Add(new V1EnvVar { Name = name, Value = text.ToString() });
        }

        // References first: a $(VAR) expands only to variables defined before it.
        variables.AddRange(references.Select(reference => new V1EnvVar { Name = reference.Key, ValueFrom = ValueFrom(reference.Value) }));
        variables.AddRange(expansions);
        return new ContainerEnvironment(literals, variables);
    }

    /// <summary>The variable that holds <paramref name="source"/>: one the container has already, else a new one.</summary>
    private static string VariableFor(ValueSource source, SortedDictionary<string, ValueSource> references, Dictionary<string, ResolvedValue> values)
    {
        if (references.FirstOrDefault(reference => reference.Value == source) is { Key: { } existing })
        {
            return existing;
        }

        var name = source switch
        {
            PodField field when field == PodField.Name => "POD_NAME",
            PodField field when field == PodField.StatefulSetOrdinal => "POD_INDEX",
            SecretKey secret => VariableName($"{secret.Secret}_{secret.Key}"),
            ConfigMapKey configMap => VariableName($"{configMap.ConfigMap}_{configMap.Key}"),
            _ => throw new InvalidOperationException($"No variable name for {source}."),
        };

        if (values.ContainsKey(name))
        {
            throw new InvalidDataException($"The env already has a variable {name} with another value; it cannot hold {source}.");
        }

        references[name] = source;
        return name;
    }

    private static string VariableName(string text) =>
        string.Concat(text.Select(character => char.IsAsciiLetterOrDigit(character) ? char.ToUpperInvariant(character) : '_'));

    private static V1EnvVarSource ValueFrom(ValueSource source) => source switch
    {
        SecretKey secret => new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret.Secret, Key = secret.Key } },
        ConfigMapKey configMap => new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = configMap.ConfigMap, Key = configMap.Key } },
        PodField field => new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = field.FieldPath } },
        _ => throw new InvalidOperationException($"Unknown source {source}."),
    };
}

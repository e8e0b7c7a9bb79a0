using System.Text.RegularExpressions;
using HpcAspire.KubernetesManifests.AppModel;
using HpcAspire.KubernetesManifests.Profile;

namespace HpcAspire.KubernetesManifests.Resolution;

/// <summary>
/// Resolves the manifest's <c>{resource.path}</c> expressions for the cluster: bindings to Service hosts and ports,
/// connection strings to the shared ConfigMap (or, when they carry a secret, to their parts), parameters to the
/// ConfigMap or Secret the profile names, annotated strings through their filter.
/// </summary>
internal sealed partial class ExpressionResolver(AspireManifest manifest, DeploymentProfile profile, ClusterTopology topology)
{
    [GeneratedRegex(@"\{(?<resource>[A-Za-z0-9_-]+)\.(?<path>[A-Za-z0-9_.-]+)\}")]
    private static partial Regex Expression();

    /// <summary>Resolves <paramref name="text"/> as written in the env or args of <paramref name="self"/>.</summary>
    public ResolvedValue Resolve(string text, string? self)
    {
        var parts = new List<ValuePart>();
        var position = 0;
        foreach (Match match in Expression().Matches(text))
        {
            parts.Add(new LiteralPart(topology.RewriteMemberHosts(text[position..match.Index])));
            parts.AddRange(ResolveExpression(match.Groups["resource"].Value, match.Groups["path"].Value, self).Parts);
            position = match.Index + match.Length;
        }

        parts.Add(new LiteralPart(topology.RewriteMemberHosts(text[position..])));
        var resolved = new ResolvedValue(parts).Normalized();
        if (resolved.Parts.OfType<LiteralPart>().Any(part => part.Text.Contains('{') && Expression().IsMatch(part.Text)))
        {
            throw new InvalidDataException($"Unresolved expression left in '{text}'.");
        }

        return resolved;
    }

    /// <summary>Connection strings that hold no secret: the shared ConfigMap's data, one key per resource.</summary>
    public SortedDictionary<string, string> LiteralConnectionStrings()
    {
        var connections = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, resource) in manifest.Resources)
        {
            if (resource.ConnectionString is { } connectionString && Resolve(connectionString, self: null) is { IsLiteral: true } literal)
            {
                connections[name] = literal.LiteralText;
            }
        }

        return connections;
    }

    private ResolvedValue ResolveExpression(string name, string path, string? self)
    {
        var resource = manifest[name];
        var segments = path.Split('.');
        return segments switch
        {
            ["connectionString"] => ConnectionString(name, resource),
            ["value"] => Value(name, resource, self),
            ["bindings", var binding, "host"] => topology.Host(name, self),
            ["bindings", var binding, "port" or "targetPort"] => ResolvedValue.Literal(Port(name, binding)),
            ["bindings", var binding, "scheme"] => ResolvedValue.Literal(topology.Scheme(name, binding)),
            ["bindings", var binding, "url"] => new ResolvedValue(
            [
                new LiteralPart($"{topology.Scheme(name, binding)}://"),
                .. topology.Host(name, self).Parts,
                new LiteralPart($":{Port(name, binding)}"),
            ]),
            _ => throw new InvalidDataException($"The generator does not know the expression {{{name}.{path}}}."),
        };
    }

    private string Port(string resource, string binding) =>
        topology.TargetPort(resource, binding).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private ResolvedValue ConnectionString(string name, ManifestResource resource)
    {
        var connectionString = resource.ConnectionString
            ?? throw new InvalidDataException($"Resource '{name}' has no connection string.");
        var resolved = Resolve(connectionString, self: null);

        // One ConfigMap key per connection string, so an overlay that moves a broker changes it once.
        return resolved.IsLiteral ? ResolvedValue.From(new ConfigMapKey(profile.Shared.ConnectionsConfigMap, name)) : resolved;
    }

    private ResolvedValue Value(string name, ManifestResource resource, string? self) => resource.Type switch
    {
        "parameter.v0" => ResolvedValue.From(ParameterSourceOf(name, resource)),
        "value.v0" => Resolve(resource.Value ?? "", self),
        "annotated.string" => Filtered(name, resource, Resolve(resource.Value ?? "", self)),
        _ => throw new InvalidDataException($"{{{name}.value}}: a {resource.Type} has no value."),
    };

    private ValueSource ParameterSourceOf(string name, ManifestResource parameter)
    {
        if (!profile.Parameters.TryGetValue(name, out var source))
        {
            throw new InvalidDataException($"Parameter '{name}' has no entry under \"parameters\" in profile.json: say which ConfigMap or Secret holds it.");
        }

        var isSecret = parameter.Inputs.Values.Any(input => input.Secret);
        return (source.Secret, source.ConfigMap) switch
        {
            ({ } secret, null) => new SecretKey(secret, source.Key, name),
            (null, { } configMap) when !isSecret => new ConfigMapKey(configMap, source.Key),
            (null, { }) => throw new InvalidDataException($"Parameter '{name}' is secret; profile.json must give it a Secret, not a ConfigMap."),
            _ => throw new InvalidDataException($"Parameter '{name}' needs exactly one of \"secret\" and \"configMap\" in profile.json."),
        };
    }

    private ResolvedValue Filtered(string name, ManifestResource annotated, ResolvedValue value) => annotated.Filter switch
    {
        null => value,
        "uri" => new ResolvedValue(value.Parts.Select(part => part switch
        {
            LiteralPart literal => new LiteralPart(Uri.EscapeDataString(literal.Text)),
            SourcePart source when IsUriSafe(source.Source) => part,
            _ => throw new InvalidDataException(
                $"'{name}' percent-encodes a value only known in the pod, and its characters are not limited to unreserved ones; Kubernetes cannot encode it."),
        }).ToList()),
        var other => throw new InvalidDataException($"'{name}' has filter '{other}', which the generator does not know."),
    };

    /// <summary>
    /// A value generated from letters and digits only is its own percent-encoding, so the pod may use it as it is.
    /// The RabbitMQ cluster operator's generated credentials (base64url: letters, digits, '-', '_') are too.
    /// </summary>
    private bool IsUriSafe(ValueSource source) =>
        source is SecretKey { Parameter: var parameter }
        && manifest[parameter].Inputs.Values.All(input => input.Default?.Generate is { Special: false });
}

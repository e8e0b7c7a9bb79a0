using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace HpcAspire.KubernetesManifests.Kustomize;

/// <summary>JSON 6902 operations: precise edits by path, where a strategic merge would replace whole lists.</summary>
internal sealed class JsonPatch
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .DisableAliases()
        .Build();

    private readonly List<Operation> _operations = [];

    public bool IsEmpty => _operations.Count == 0;

    public JsonPatch Add(string path, object value) => With("add", path, value);

    public JsonPatch Replace(string path, object value) => With("replace", path, value);

    public string ToYaml() => Serializer.Serialize(_operations);

    private JsonPatch With(string op, string path, object value)
    {
        _operations.Add(new Operation { Op = op, Path = path, Value = value });
        return this;
    }

    private sealed class Operation
    {
        public required string Op { get; init; }

        public required string Path { get; init; }

        public required object Value { get; init; }
    }
}

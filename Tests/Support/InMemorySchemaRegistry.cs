using System.Collections.Concurrent;
using System.Reflection;
using Confluent.SchemaRegistry;

namespace HpcAspire.Tests.Support;

/// <summary>
/// An <see cref="ISchemaRegistryClient"/> in memory for unit tests of code that frames and reads Avro: registering a
/// schema gives it an id (the same id for the same text), and an id gives its schema back. Anything else it is asked
/// fails, naming the call, so a test cannot pass on a call it does not answer.
/// </summary>
public class InMemorySchemaRegistry : DispatchProxy
{
    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, Schema> _schemas = new();

    public static ISchemaRegistryClient Create() => DispatchProxy.Create<ISchemaRegistryClient, InMemorySchemaRegistry>();

    protected override object? Invoke(MethodInfo? method, object?[]? args) => method?.Name switch
    {
        nameof(ISchemaRegistryClient.RegisterSchemaAsync) when args is [string, Schema schema, ..] =>
            Task.FromResult(Register(schema)),
        nameof(ISchemaRegistryClient.GetSchemaAsync) when args is [int id, ..] =>
            _schemas.TryGetValue(id, out var known)
                ? Task.FromResult(known)
                : Task.FromException<Schema>(new SchemaRegistryException($"Schema {id} not found", System.Net.HttpStatusCode.NotFound, 40403)),
        nameof(IDisposable.Dispose) => null,
        _ => throw new NotSupportedException($"{nameof(InMemorySchemaRegistry)} does not answer {method?.Name}."),
    };

    private int Register(Schema schema)
    {
        var id = _ids.GetOrAdd(schema.SchemaString, _ => _ids.Count + 1);
        _schemas.TryAdd(id, schema);
        return id;
    }
}

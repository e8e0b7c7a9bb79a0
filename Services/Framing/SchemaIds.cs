using System.Collections.Concurrent;
using Confluent.SchemaRegistry;

namespace HpcAspire.Framing;

/// <summary>
/// The id of one writer schema under each subject it is written to (<c>&lt;name&gt;-value</c>), registered the first time
/// a name is written and then known without a lookup: by name, not subject, so the hot path builds no string.
/// </summary>
internal sealed class SchemaIds(ISchemaRegistryClient registry, string schemaText)
{
    private readonly ConcurrentDictionary<string, int> _idByName = new(StringComparer.Ordinal);

    public ValueTask<int> OfAsync(string name) =>
        _idByName.TryGetValue(name, out var id) ? ValueTask.FromResult(id) : new ValueTask<int>(RegisterAsync(name));

    /// <summary>As <see cref="OfAsync"/>, blocking on the registry the first time (Kafka's synchronous serializers).</summary>
    public int Of(string name) => _idByName.TryGetValue(name, out var id) ? id : RegisterAsync(name).GetAwaiter().GetResult();

    private async Task<int> RegisterAsync(string name)
    {
        var id = await registry.RegisterSchemaAsync($"{name}-value", new Schema(schemaText, SchemaType.Avro), normalize: false).ConfigureAwait(false);
        return _idByName.GetOrAdd(name, id);
    }
}

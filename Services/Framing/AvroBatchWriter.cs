using System.Collections.Concurrent;
using Avro.IO;
using Avro.Specific;
using Confluent.SchemaRegistry;
using HpcAspire.Contracts;

namespace HpcAspire.Framing;

/// <summary>
/// Writes many records as one Confluent-framed Avro value: magic byte 0, the big-endian id of the schema
/// <c>{"type": "array", "items": &lt;T's schema&gt;}</c> (registered under <c>&lt;name&gt;-value</c> the first
/// time a name is written), then the records as one Avro array. For a transport that pays per message rather than
/// per byte (RabbitMQ): one message carries a batch, and the registry still checks every change of the record's
/// schema. <see cref="AvroMessageDecoder{T}.DecodeAllAsync"/> reads it back.
/// </summary>
public sealed class AvroBatchWriter<T>(ISchemaRegistryClient registry)
    where T : ISpecificRecord, new()
{
    private static readonly Avro.Schema RecordSchema = new T().Schema;
    private static readonly string SchemaText = Avro.ArraySchema.Create(RecordSchema).ToString();
    private static readonly IAvroBinaryCodec<T>? Codec = AvroBinaryCodecs.For<T>();
    private readonly SpecificDatumWriter<T>? _writer = Codec is null ? new(RecordSchema) : null;
    private readonly ConcurrentDictionary<string, int> _idByName = new(StringComparer.Ordinal);

    /// <summary>The records, in order, as one value; <paramref name="name"/> names the subject (<c>&lt;name&gt;-value</c>).</summary>
    public async Task<byte[]> WriteAsync(IReadOnlyList<T> records, string name)
    {
        ArgumentOutOfRangeException.ThrowIfZero(records.Count);
        var id = _idByName.TryGetValue(name, out var known) ? known : await RegisterAsync(name).ConfigureAwait(false);
        if (Codec is { } codec)
        {
            // The same bytes as below: one block of records.Count items, then the empty block that ends the array.
            var buffer = new AvroBinaryWriter(64 * records.Count + 16);
            AvroFrame.Write(buffer, id);
            buffer.WriteLong(records.Count);
            foreach (var record in records)
            {
                codec.Write(record, buffer);
            }

            buffer.WriteLong(0);
            return buffer.ToArray();
        }

        using var stream = new MemoryStream(64 * records.Count + 16);
        AvroFrame.Write(stream, id);
        var encoder = new BinaryEncoder(stream);
        encoder.WriteArrayStart();
        encoder.SetItemCount(records.Count);
        foreach (var record in records)
        {
            encoder.StartItem();
            _writer!.Write(record, encoder);
        }

        encoder.WriteArrayEnd();
        return stream.ToArray();
    }

    private async Task<int> RegisterAsync(string name)
    {
        var id = await registry.RegisterSchemaAsync($"{name}-value", new Schema(SchemaText, SchemaType.Avro), normalize: false).ConfigureAwait(false);
        return _idByName.GetOrAdd(name, id);
    }
}

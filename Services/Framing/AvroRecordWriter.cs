using Avro.IO;
using Avro.Specific;
using Confluent.SchemaRegistry;
using HpcAspire.Contracts;

namespace HpcAspire.Framing;

/// <summary>
/// Writes a record as Confluent-framed Avro (magic byte 0, big-endian schema id, Avro binary), its schema registered
/// under <c>&lt;name&gt;-value</c> the first time a name is written: the bytes Confluent's <c>AvroSerializer</c> writes
/// with its defaults, without its per-message locking and schema lookups. Kafka names a topic (the topic-name strategy),
/// RabbitMQ a subject of its own. <see cref="AvroMessageDecoder{T}"/> reads it back.
/// </summary>
public sealed class AvroRecordWriter<T>(ISchemaRegistryClient registry)
    where T : ISpecificRecord, new()
{
    private static readonly Avro.Schema WriterSchema = new T().Schema;
    private static readonly IAvroBinaryCodec<T>? Codec = AvroBinaryCodecs.For<T>();

    // A record with a codec of its own is written into this thread's buffer, then copied out once.
    [ThreadStatic]
    private static AvroBinaryWriter? s_buffer;

    private readonly SpecificDatumWriter<T>? _writer = Codec is null ? new(WriterSchema) : null;
    private readonly SchemaIds _ids = new(registry, WriterSchema.ToString());

    /// <summary>The record as one framed value; registers <c>&lt;name&gt;-value</c> the first time.</summary>
    public async ValueTask<byte[]> WriteAsync(T record, string name) =>
        Write(record, await _ids.OfAsync(name).ConfigureAwait(false));

    /// <summary>As <see cref="WriteAsync"/>, blocking on the registry the first time a name is written (Kafka's synchronous serializers).</summary>
    public byte[] Write(T record, string name) =>
        Write(record, _ids.Of(name));

    private byte[] Write(T record, int schemaId)
    {
        if (Codec is { } codec)
        {
            var buffer = s_buffer ??= new AvroBinaryWriter();
            buffer.Clear();
            AvroFrame.Write(buffer, schemaId);
            codec.Write(record, buffer);
            return buffer.ToArray();
        }

        using var stream = new MemoryStream(128);
        AvroFrame.Write(stream, schemaId);
        _writer!.Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }
}

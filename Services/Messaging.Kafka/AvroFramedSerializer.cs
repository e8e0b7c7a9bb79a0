using System.Buffers.Binary;
using System.Collections.Concurrent;
using Avro.IO;
using Avro.Specific;
using Confluent.Kafka;
using Confluent.SchemaRegistry;

namespace HpcAspire.Messaging.Kafka;

/// <summary>
/// Writes a record as Confluent-framed Avro (magic byte 0, big-endian schema id, Avro binary), its
/// schema registered under <c>&lt;topic&gt;-value</c> (the topic-name strategy) the first time a topic
/// is written: the bytes Confluent's <c>AvroSerializer</c> writes with its defaults, without its
/// per-message locking and schema lookups. Usable where Kafka wants a serializer, sync or async. A null
/// value (a tombstone, or a control record carried in headers) stays null, as with Confluent's.
/// </summary>
public sealed class AvroFramedSerializer<T>(ISchemaRegistryClient registry) : ISerializer<T>, IAsyncSerializer<T>
    where T : ISpecificRecord, new()
{
    private const byte MagicByte = 0;
    private const int FrameLength = 5;

    private static readonly Avro.Schema WriterSchema = new T().Schema;
    private readonly SpecificDatumWriter<T> writer = new(WriterSchema);
    private readonly ConcurrentDictionary<string, int> idBySubject = new(StringComparer.Ordinal);

    public async Task<byte[]> SerializeAsync(T data, SerializationContext context) =>
        data is null ? null! : Write(data, idBySubject.TryGetValue(SubjectOf(context), out var id) ? id : await RegisterAsync(SubjectOf(context)).ConfigureAwait(false));

    public byte[] Serialize(T data, SerializationContext context) =>
        data is null ? null! : Write(data, idBySubject.TryGetValue(SubjectOf(context), out var id) ? id : RegisterAsync(SubjectOf(context)).GetAwaiter().GetResult());

    private byte[] Write(T data, int schemaId)
    {
        using var stream = new MemoryStream(128);
        Span<byte> frame = stackalloc byte[FrameLength];
        frame[0] = MagicByte;
        BinaryPrimitives.WriteInt32BigEndian(frame[1..], schemaId);
        stream.Write(frame);
        writer.Write(data, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private async Task<int> RegisterAsync(string subject)
    {
        var id = await registry.RegisterSchemaAsync(subject, new Schema(WriterSchema.ToString(), SchemaType.Avro), normalize: false).ConfigureAwait(false);
        return idBySubject.GetOrAdd(subject, id);
    }

    private static string SubjectOf(SerializationContext context) =>
        string.IsNullOrEmpty(context.Topic)
            ? throw new ArgumentException("Avro values are registered under <topic>-value: the serialization context names no topic.", nameof(context))
            : $"{context.Topic}-value";
}

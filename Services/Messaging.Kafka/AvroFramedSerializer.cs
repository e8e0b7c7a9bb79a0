using System.Collections.Concurrent;
using Avro.IO;
using Avro.Specific;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using HpcAspire.Contracts;

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
    private static readonly Avro.Schema WriterSchema = new T().Schema;
    private static readonly IAvroBinaryCodec<T>? Codec = AvroBinaryCodecs.For<T>();

    // A record with a codec of its own is written into this thread's buffer, then copied out once.
    [ThreadStatic]
    private static AvroBinaryWriter? t_buffer;

    private readonly SpecificDatumWriter<T>? writer = Codec is null ? new(WriterSchema) : null;
    // By topic, not subject: the hot path builds no string.
    private readonly ConcurrentDictionary<string, int> idByTopic = new(StringComparer.Ordinal);

    public async Task<byte[]> SerializeAsync(T data, SerializationContext context) =>
        data is null ? null! : Write(data, idByTopic.TryGetValue(TopicOf(context), out var id) ? id : await RegisterAsync(TopicOf(context)).ConfigureAwait(false));

    public byte[] Serialize(T data, SerializationContext context) =>
        data is null ? null! : Write(data, idByTopic.TryGetValue(TopicOf(context), out var id) ? id : RegisterAsync(TopicOf(context)).GetAwaiter().GetResult());

    private byte[] Write(T data, int schemaId)
    {
        if (Codec is { } codec)
        {
            var buffer = t_buffer ??= new AvroBinaryWriter();
            buffer.Clear();
            AvroFrame.Write(buffer, schemaId);
            codec.Write(data, buffer);
            return buffer.ToArray();
        }

        using var stream = new MemoryStream(128);
        AvroFrame.Write(stream, schemaId);
        writer!.Write(data, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private async Task<int> RegisterAsync(string topic)
    {
        var id = await registry.RegisterSchemaAsync($"{topic}-value", new Schema(WriterSchema.ToString(), SchemaType.Avro), normalize: false).ConfigureAwait(false);
        return idByTopic.GetOrAdd(topic, id);
    }

    private static string TopicOf(SerializationContext context) =>
        string.IsNullOrEmpty(context.Topic)
            ? throw new ArgumentException("Avro values are registered under <topic>-value: the serialization context names no topic.", nameof(context))
            : context.Topic;
}

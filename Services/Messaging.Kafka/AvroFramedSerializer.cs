using Avro.Specific;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using HpcAspire.Framing;

namespace HpcAspire.Messaging.Kafka;

/// <summary>
/// <see cref="AvroRecordWriter{T}"/> where Kafka wants a serializer, sync or async: the schema is registered under
/// <c>&lt;topic&gt;-value</c> (the topic-name strategy). A null value (a tombstone, or a control record carried in
/// headers) stays null, as with Confluent's.
/// </summary>
public sealed class AvroFramedSerializer<T>(ISchemaRegistryClient registry) : ISerializer<T>, IAsyncSerializer<T>
    where T : ISpecificRecord, new()
{
    private readonly AvroRecordWriter<T> _writer = new(registry);

    public async Task<byte[]> SerializeAsync(T data, SerializationContext context) =>
        data is null ? null! : await _writer.WriteAsync(data, TopicOf(context)).ConfigureAwait(false);

    public byte[] Serialize(T data, SerializationContext context) => data is null ? null! : _writer.Write(data, TopicOf(context));

    private static string TopicOf(SerializationContext context) =>
        string.IsNullOrEmpty(context.Topic)
            ? throw new ArgumentException("Avro values are registered under <topic>-value: the serialization context names no topic.", nameof(context))
            : context.Topic;
}

using System.Collections.Concurrent;
using Avro;
using Avro.IO;
using Avro.Specific;
using Confluent.Kafka;
using Confluent.SchemaRegistry;

namespace HpcAspire.Messaging.Kafka;

/// <summary>
/// Reads Confluent-framed Avro values (magic byte 0, big-endian schema id, Avro binary) through the
/// Schema Registry. A message that is bad in itself comes back as a <see cref="DecodedMessage{T}"/>
/// naming the reason; a registry that cannot be reached still throws, because retrying that message
/// later will succeed and dead-lettering it would lose a good message.
/// </summary>
/// <remarks>
/// What Confluent's <c>AvroDeserializer</c> does, without its per-message cost (hashing the writer's
/// schema to find its reader, a quarter of the sink's CPU): one resolving reader per writer schema id,
/// built when the id is first seen, then each message is only read.
/// </remarks>
public sealed class AvroMessageDecoder<T>(ISchemaRegistryClient registry)
    where T : ISpecificRecord, new()
{
    private const int SchemaNotFound = 40403;

    private static readonly Avro.Schema ReaderSchema = new T().Schema;
    private readonly ConcurrentDictionary<int, WriterOf> readers = new();

    /// <summary>Reads one record; a batch (<see cref="AvroFramedBatchSerializer{T}"/>) is undecodable here.</summary>
    public Task<DecodedMessage<T>> DecodeAsync(string topic, byte[]? value, Headers? headers = null) =>
        ReadAsync(value, static (writer, body, id) => writer.IsBatch
                ? DecodedMessage<T>.Undecodable(UndecodableReason.UndecodableBody, $"Schema id {id} is a batch of records where one {typeof(T).Name} was expected.")
                : DecodedMessage<T>.Decoded(writer.Reader.Read(default!, body)),
            DecodedMessage<T>.Undecodable);

    /// <summary>
    /// Reads a message that holds one record or a batch of them (its writer schema an Avro array of the record, as
    /// <see cref="AvroFramedBatchSerializer{T}"/> writes): the records in order, each resolved against
    /// <typeparamref name="T"/>'s schema as a single one is. A broken record fails the whole message.
    /// </summary>
    public Task<DecodedBatch<T>> DecodeAllAsync(byte[]? value) =>
        ReadAsync(value, static (writer, body, _) =>
        {
            if (!writer.IsBatch)
            {
                return DecodedBatch<T>.Decoded([writer.Reader.Read(default!, body)], isBatch: false);
            }

            var records = new List<T>();
            for (var block = body.ReadArrayStart(); block != 0; block = body.ReadArrayNext())
            {
                for (var i = 0L; i < block; i++)
                {
                    records.Add(writer.Reader.Read(default!, body));
                }
            }

            return DecodedBatch<T>.Decoded(records, isBatch: true);
        }, DecodedBatch<T>.Undecodable);

    // The frame, the writer's schema and the failures a message can be to blame for, shared by both readings: read
    // gets the resolving reader and the body; anything the message is at fault for comes back through undecodable.
    private async Task<TResult> ReadAsync<TResult>(byte[]? value, Func<WriterOf, BinaryDecoder, int, TResult> read,
        Func<UndecodableReason, string, TResult> undecodable)
    {
        if (value is null || value.Length < AvroFrame.Length)
        {
            return undecodable(UndecodableReason.NotConfluentFramed, $"{value?.Length ?? 0} bytes: shorter than the {AvroFrame.Length}-byte Confluent frame.");
        }

        if (value[0] != AvroFrame.MagicByte)
        {
            return undecodable(UndecodableReason.NotConfluentFramed, $"Magic byte 0x{value[0]:X2}, expected 0x00: not Confluent-framed.");
        }

        var id = AvroFrame.SchemaIdOf(value);
        try
        {
            var writer = readers.TryGetValue(id, out var known) ? known : await ReaderForAsync(id).ConfigureAwait(false);
            return read(writer, BodyOf(value), id);
        }
        catch (SchemaRegistryException ex) when (ex.ErrorCode == SchemaNotFound)
        {
            return undecodable(UndecodableReason.UnknownSchemaId, $"Schema id {id} is not in the registry: {ex.Message}");
        }
        catch (Exception ex) when (IsBodyError(ex))
        {
            return undecodable(UndecodableReason.UndecodableBody, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static BinaryDecoder BodyOf(byte[] value) => new(new MemoryStream(value, AvroFrame.Length, value.Length - AvroFrame.Length, writable: false));

    // Only a reader that could be built is kept: an id the registry did not know, or could not be asked
    // about, is asked about again with the next message that carries it.
    private async Task<WriterOf> ReaderForAsync(int id)
    {
        var writerSchema = Avro.Schema.Parse((await registry.GetSchemaAsync(id).ConfigureAwait(false)).SchemaString);
        var writer = writerSchema is ArraySchema array
            ? new WriterOf(new SpecificDatumReader<T>(array.ItemSchema, ReaderSchema), IsBatch: true)
            : new WriterOf(new SpecificDatumReader<T>(writerSchema, ReaderSchema), IsBatch: false);
        return readers.GetOrAdd(id, writer);
    }

    private sealed record WriterOf(SpecificDatumReader<T> Reader, bool IsBatch);

    // Anything thrown while reading bytes is the message's fault; the registry's own failures
    // (HTTP errors, timeouts, other registry error codes) are the environment's and propagate.
    private static bool IsBodyError(Exception ex) => ex is AvroException or EndOfStreamException or InvalidDataException
        or IndexOutOfRangeException or ArgumentOutOfRangeException or ArgumentException or InvalidCastException or OverflowException
        or FormatException or System.Text.DecoderFallbackException
        && ex is not SchemaRegistryException;
}

using System.Collections.Concurrent;
using Avro;
using Avro.IO;
using Avro.Specific;
using Confluent.SchemaRegistry;
using HpcAspire.Contracts;
using HpcAspire.Messaging;

namespace HpcAspire.Framing;

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
    private static readonly IAvroBinaryCodec<T>? Codec = AvroBinaryCodecs.For<T>();
    private static readonly string ReaderForm = SchemaNormalization.ToParsingForm(ReaderSchema);
    private readonly ConcurrentDictionary<int, WriterOf> _readers = new();

    /// <summary>Reads one record; a batch (<see cref="AvroBatchWriter{T}"/>) is undecodable here.</summary>
    /// <remarks>
    /// A <see cref="ValueTask{TResult}"/>: once the writer's schema is known, which is every message but the first of
    /// each schema id, the read completes at once and allocates no task (a task a message was 3 % of the processor's
    /// allocations).
    /// </remarks>
    public ValueTask<DecodedMessage<T>> DecodeAsync(byte[]? value) =>
        ReadAsync(value, static (writer, value, id) => writer.IsBatch
                ? DecodedMessage<T>.Undecodable(DeadLetterReason.UndecodableBody, $"Schema id {id} is a batch of records where one {typeof(T).Name} was expected.")
                : DecodedMessage<T>.Decoded(writer.ReadOne(value)),
            DecodedMessage<T>.Undecodable);

    /// <summary>
    /// Reads a message that holds one record or a batch of them (its writer schema an Avro array of the record, as
    /// <see cref="AvroBatchWriter{T}"/> writes): the records in order, each resolved against
    /// <typeparamref name="T"/>'s schema as a single one is. A broken record fails the whole message.
    /// </summary>
    public ValueTask<DecodedBatch<T>> DecodeAllAsync(byte[]? value) =>
        ReadAsync(value, static (writer, value, _) => writer.IsBatch
                ? DecodedBatch<T>.Decoded(writer.ReadMany(value), isBatch: true)
                : DecodedBatch<T>.Decoded([writer.ReadOne(value)], isBatch: false),
            DecodedBatch<T>.Undecodable);

    // The frame, the writer's schema and the failures a message can be to blame for, shared by both readings: read
    // gets how to read the writer's records and the framed value; anything the message is at fault for comes back
    // through undecodable.
    private async ValueTask<TResult> ReadAsync<TResult>(byte[]? value, Func<WriterOf, byte[], int, TResult> read,
        Func<DeadLetterReason, string, TResult> undecodable)
    {
        if (value is null || value.Length < AvroFrame.Length)
        {
            return undecodable(DeadLetterReason.NotConfluentFramed, $"{value?.Length ?? 0} bytes: shorter than the {AvroFrame.Length}-byte Confluent frame.");
        }

        if (value[0] != AvroFrame.MagicByte)
        {
            return undecodable(DeadLetterReason.NotConfluentFramed, $"Magic byte 0x{value[0]:X2}, expected 0x00: not Confluent-framed.");
        }

        var id = AvroFrame.SchemaIdOf(value);
        try
        {
            var writer = _readers.TryGetValue(id, out var known) ? known : await ReaderForAsync(id).ConfigureAwait(false);
            return read(writer, value, id);
        }
        catch (SchemaRegistryException ex) when (ex.ErrorCode == SchemaNotFound)
        {
            return undecodable(DeadLetterReason.UnknownSchemaId, $"Schema id {id} is not in the registry: {ex.Message}");
        }
        catch (Exception ex) when (IsBodyError(ex))
        {
            return undecodable(DeadLetterReason.UndecodableBody, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static BinaryDecoder BodyOf(byte[] value) => new(new MemoryStream(value, AvroFrame.Length, value.Length - AvroFrame.Length, writable: false));

    // Only a reader that could be built is kept: an id the registry did not know, or could not be asked
    // about, is asked about again with the next message that carries it.
    private async Task<WriterOf> ReaderForAsync(int id)
    {
        var writerSchema = Avro.Schema.Parse((await registry.GetSchemaAsync(id).ConfigureAwait(false)).SchemaString);
        var isBatch = writerSchema is ArraySchema;
        // Fields renamed since the writer wrote are found by the reader's aliases, which Apache.Avro alone does not complete.
        var recordSchema = AvroFieldAliases.ApplyTo(writerSchema is ArraySchema array ? array.ItemSchema : writerSchema, ReaderSchema);
        // Written with the reader's own schema (the same binary layout): the record's codec reads it, when it has one.
        var codec = SchemaNormalization.ToParsingForm(recordSchema) == ReaderForm ? Codec : null;
        return _readers.GetOrAdd(id, new WriterOf(new SpecificDatumReader<T>(recordSchema, ReaderSchema), codec, isBatch));
    }

    /// <summary>How to read the records of one writer schema: its resolving reader, or the record's codec when the schemas are the same.</summary>
    private sealed record WriterOf(SpecificDatumReader<T> Reader, IAvroBinaryCodec<T>? Codec, bool IsBatch)
    {
        public T ReadOne(byte[] value)
        {
            if (Codec is null)
            {
                return Reader.Read(default!, BodyOf(value));
            }

            var body = new AvroBinaryReader(value.AsSpan(AvroFrame.Length));
            return Codec.Read(ref body);
        }

        public List<T> ReadMany(byte[] value)
        {
            var records = new List<T>();
            if (Codec is null)
            {
                var decoder = BodyOf(value);
                for (var block = decoder.ReadArrayStart(); block != 0; block = decoder.ReadArrayNext())
                {
                    for (var i = 0L; i < block; i++)
                    {
                        records.Add(Reader.Read(default!, decoder));
                    }
                }

                return records;
            }

            var body = new AvroBinaryReader(value.AsSpan(AvroFrame.Length));
            for (var block = body.ReadBlockCount(); block != 0; block = body.ReadBlockCount())
            {
                for (var i = 0L; i < block; i++)
                {
                    records.Add(Codec.Read(ref body));
                }
            }

            return records;
        }
    }

    // Anything thrown while reading bytes is the message's fault; the registry's own failures
    // (HTTP errors, timeouts, other registry error codes) are the environment's and propagate.
    private static bool IsBodyError(Exception ex) => ex is AvroException or EndOfStreamException or InvalidDataException
        or IndexOutOfRangeException or ArgumentOutOfRangeException or ArgumentException or InvalidCastException or OverflowException
        or FormatException or System.Text.DecoderFallbackException
        && ex is not SchemaRegistryException;
}

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
    private const byte MagicByte = 0;
    private const int FrameLength = 5;
    private const int SchemaNotFound = 40403;

    private static readonly Avro.Schema ReaderSchema = new T().Schema;
    private readonly ConcurrentDictionary<int, SpecificDatumReader<T>> readers = new();

    public async Task<DecodedMessage<T>> DecodeAsync(string topic, byte[]? value, Headers? headers = null)
    {
        if (value is null || value.Length < FrameLength)
        {
            return DecodedMessage<T>.Undecodable(UndecodableReason.NotConfluentFramed,
                $"{value?.Length ?? 0} bytes: shorter than the {FrameLength}-byte Confluent frame.");
        }

        if (value[0] != MagicByte)
        {
            return DecodedMessage<T>.Undecodable(UndecodableReason.NotConfluentFramed,
                $"Magic byte 0x{value[0]:X2}, expected 0x00: not Confluent-framed.");
        }

        var id = (value[1] << 24) | (value[2] << 16) | (value[3] << 8) | value[4];
        try
        {
            var reader = readers.TryGetValue(id, out var known) ? known : await ReaderForAsync(id).ConfigureAwait(false);
            return DecodedMessage<T>.Decoded(reader.Read(default!, new BinaryDecoder(new MemoryStream(value, FrameLength, value.Length - FrameLength, writable: false))));
        }
        catch (SchemaRegistryException ex) when (ex.ErrorCode == SchemaNotFound)
        {
            return DecodedMessage<T>.Undecodable(UndecodableReason.UnknownSchemaId, $"Schema id {id} is not in the registry: {ex.Message}");
        }
        catch (Exception ex) when (IsBodyError(ex))
        {
            return DecodedMessage<T>.Undecodable(UndecodableReason.UndecodableBody, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    // Only a reader that could be built is kept: an id the registry did not know, or could not be asked
    // about, is asked about again with the next message that carries it.
    private async Task<SpecificDatumReader<T>> ReaderForAsync(int id)
    {
        var writerSchema = Avro.Schema.Parse((await registry.GetSchemaAsync(id).ConfigureAwait(false)).SchemaString);
        return readers.GetOrAdd(id, new SpecificDatumReader<T>(writerSchema, ReaderSchema));
    }

    // Anything thrown while reading bytes is the message's fault; the registry's own failures
    // (HTTP errors, timeouts, other registry error codes) are the environment's and propagate.
    private static bool IsBodyError(Exception ex) => ex is AvroException or EndOfStreamException or InvalidDataException
        or IndexOutOfRangeException or ArgumentOutOfRangeException or ArgumentException or InvalidCastException or OverflowException
        or FormatException or System.Text.DecoderFallbackException
        && ex is not SchemaRegistryException;
}

using Avro;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;

namespace HpcAspire.Messaging.Kafka;

/// <summary>
/// Reads Confluent-framed Avro values (magic byte 0, big-endian schema id, Avro binary) through the
/// Schema Registry. A message that is bad in itself comes back as a <see cref="DecodedMessage{T}"/>
/// naming the reason; a registry that cannot be reached still throws, because retrying that message
/// later will succeed and dead-lettering it would lose a good message.
/// </summary>
public sealed class AvroMessageDecoder<T>
{
    private const byte MagicByte = 0;
    private const int FrameLength = 5;
    private const int SchemaNotFound = 40403;

    private readonly IAsyncDeserializer<T> deserializer;

    public AvroMessageDecoder(ISchemaRegistryClient registry) => deserializer = new AvroDeserializer<T>(registry);

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

        try
        {
            var context = new SerializationContext(MessageComponentType.Value, topic, headers);
            return DecodedMessage<T>.Decoded(await deserializer.DeserializeAsync(value, isNull: false, context).ConfigureAwait(false));
        }
        catch (SchemaRegistryException ex) when (ex.ErrorCode == SchemaNotFound)
        {
            var id = (value[1] << 24) | (value[2] << 16) | (value[3] << 8) | value[4];
            return DecodedMessage<T>.Undecodable(UndecodableReason.UnknownSchemaId, $"Schema id {id} is not in the registry: {ex.Message}");
        }
        catch (Exception ex) when (IsBodyError(ex))
        {
            return DecodedMessage<T>.Undecodable(UndecodableReason.UndecodableBody, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    // Anything thrown while reading bytes is the message's fault; the registry's own failures
    // (HTTP errors, timeouts, other registry error codes) are the environment's and propagate.
    private static bool IsBodyError(Exception ex) => ex is AvroException or EndOfStreamException or InvalidDataException
        or IndexOutOfRangeException or ArgumentOutOfRangeException or ArgumentException or InvalidCastException or OverflowException
        or FormatException or System.Text.DecoderFallbackException
        && ex is not SchemaRegistryException;
}

using System.Buffers.Binary;

namespace HpcAspire.Messaging.Kafka;

/// <summary>Confluent's framing of an Avro value: magic byte 0, the schema id (big-endian int32), then the Avro binary.</summary>
internal static class AvroFrame
{
    public const byte MagicByte = 0;
    public const int Length = 5;

    public static void Write(Stream stream, int schemaId)
    {
        Span<byte> frame = stackalloc byte[Length];
        frame[0] = MagicByte;
        BinaryPrimitives.WriteInt32BigEndian(frame[1..], schemaId);
        stream.Write(frame);
    }

    public static void Write(HpcAspire.Contracts.AvroBinaryWriter writer, int schemaId)
    {
        Span<byte> frame = stackalloc byte[Length];
        frame[0] = MagicByte;
        BinaryPrimitives.WriteInt32BigEndian(frame[1..], schemaId);
        writer.WriteBytes(frame);
    }

    public static int SchemaIdOf(byte[] value) => BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(1, 4));
}

using System.Buffers.Binary;
using HpcAspire.Contracts;

namespace HpcAspire.Framing;

/// <summary>Confluent's framing of an Avro value: magic byte 0, the schema id (big-endian int32), then the Avro binary.</summary>
internal static class AvroFrame
{
    public const byte MagicByte = 0;
    public const int Length = 5;

    public static void Write(Stream stream, int schemaId) => stream.Write(Of(schemaId, stackalloc byte[Length]));

    public static void Write(AvroBinaryWriter writer, int schemaId) => writer.WriteBytes(Of(schemaId, stackalloc byte[Length]));

    private static Span<byte> Of(int schemaId, Span<byte> frame)
    {
        frame[0] = MagicByte;
        BinaryPrimitives.WriteInt32BigEndian(frame[1..], schemaId);
        return frame;
    }

    public static int SchemaIdOf(byte[] value) => BinaryPrimitives.ReadInt32BigEndian(value.AsSpan(1, 4));
}

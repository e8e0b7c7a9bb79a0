using System.Buffers.Binary;
using System.Text;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// The experiments' message: the size of the application's framed Avro NodeReading, keyed by node like the
/// generator's, with its id in the 8 bytes after the 5-byte frame so loss and duplicates are counted per message.
/// </summary>
internal static class ExperimentMessage
{
    private const int IdOffset = 5;

    public static readonly int Size = RawKafkaBenchmark.FramedReadingSize();

    /// <summary>Keys of 64 nodes, encoded once: a key per message would allocate on the path being measured.</summary>
    public static readonly byte[][] NodeKeys = Enumerable.Range(0, 64).Select(n => Encoding.UTF8.GetBytes($"node-{n:D3}")).ToArray();

    public static byte[] NewBuffer()
    {
        var buffer = new byte[Size];
        Random.Shared.NextBytes(buffer);
        buffer[0] = 0;   // the Confluent framing's magic byte
        return buffer;
    }

    public static void WriteId(byte[] buffer, int id) => BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(IdOffset), id);

    /// <summary>The id a message carries, or -1 for a message that is not one of the experiments'.</summary>
    public static int ReadId(ReadOnlySpan<byte> value) =>
        value.Length == Size ? BinaryPrimitives.ReadInt32LittleEndian(value[IdOffset..]) : -1;
}

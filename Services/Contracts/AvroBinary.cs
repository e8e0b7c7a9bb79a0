using System.Buffers.Binary;
using System.Text;

namespace HpcAspire.Contracts;

/// <summary>
/// Writes and reads one record type in the Avro binary encoding of its own schema, field by field. It is
/// what Apache.Avro's specific writer and reader do for that schema, without their per-record cost: they
/// walk the schema and box every field through <c>ISpecificRecord.Get</c>/<c>Put</c>, which was most of
/// the (de)serialization time of a reading. Only the exact schema is handled: a message written with
/// another schema (an older or newer version) still goes through Avro's schema resolution.
/// </summary>
public interface IAvroBinaryCodec<T>
{
    void Write(T record, AvroBinaryWriter writer);

    T Read(ref AvroBinaryReader reader);
}

/// <summary>The codecs the contracts have for their high-rate records; null for every other type.</summary>
public static class AvroBinaryCodecs
{
    public static IAvroBinaryCodec<T>? For<T>() => Codec<T>.Instance;

    private static class Codec<T>
    {
        public static readonly IAvroBinaryCodec<T>? Instance = (object?)(typeof(T) == typeof(NodeReading) ? NodeReadingCodec.Instance
            : typeof(T) == typeof(EnrichedReading) ? EnrichedReadingCodec.Instance
            : null) as IAvroBinaryCodec<T>;
    }
}

/// <summary>A growable buffer of Avro binary: zig-zag varints, little-endian doubles, length-prefixed UTF-8.</summary>
public sealed class AvroBinaryWriter
{
    private static readonly DateTime UnixEpoch = DateTime.UnixEpoch;
    private byte[] _buffer;

    public AvroBinaryWriter(int capacity = 256) => _buffer = new byte[capacity];

    public int Length { get; private set; }

    public void Clear() => Length = 0;

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        Length += bytes.Length;
    }

    public void WriteInt(int value) => WriteLong(value);

    public void WriteLong(long value)
    {
        var span = Reserve(10);
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        var i = 0;
        while (zigzag >= 0x80)
        {
            span[i++] = (byte)(zigzag | 0x80);
            zigzag >>= 7;
        }

        span[i++] = (byte)zigzag;
        Length += i;
    }

    public void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);
        Length += 8;
    }

    public void WriteString(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteLong(byteCount);
        Encoding.UTF8.GetBytes(value, Reserve(byteCount));
        Length += byteCount;
    }

    /// <summary>A <c>["null", "string"]</c> union: branch 0 for null, 1 and the string otherwise.</summary>
    public void WriteNullableString(string? value)
    {
        if (value is null)
        {
            WriteLong(0);
            return;
        }

        WriteLong(1);
        WriteString(value);
    }

    /// <summary>A <c>timestamp-millis</c> long, converted as Apache.Avro converts a DateTime (to UTC, truncated to the millisecond).</summary>
    public void WriteTimestampMillis(DateTime value) => WriteLong((long)(value.ToUniversalTime() - UnixEpoch).TotalMilliseconds);

    public byte[] ToArray() => _buffer.AsSpan(0, Length).ToArray();

    private Span<byte> Reserve(int bytes)
    {
        if (Length + bytes > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + bytes));
        }

        return _buffer.AsSpan(Length);
    }
}

/// <summary>
/// Reads Avro binary from a span. Bytes that cannot be what the schema says (a cut-off body, a union or
/// enum index out of range, a negative length) throw <see cref="EndOfStreamException"/> or
/// <see cref="InvalidDataException"/>: the message is at fault, not the reader.
/// </summary>
public ref struct AvroBinaryReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public int ReadInt()
    {
        var value = ReadLong();
        return value is < int.MinValue or > int.MaxValue ? throw new InvalidDataException($"An Avro int of {value} is out of range.") : (int)value;
    }

    public long ReadLong()
    {
        ulong zigzag = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = Next();
            zigzag |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return (long)(zigzag >> 1) ^ -(long)(zigzag & 1);
            }
        }

        throw new InvalidDataException("An Avro long longer than 10 bytes.");
    }

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public string ReadString()
    {
        var length = ReadLong();
        return length is < 0 or > int.MaxValue
            ? throw new InvalidDataException($"An Avro string of length {length}.")
            : Encoding.UTF8.GetString(Take((int)length));
    }

    public string? ReadNullableString() => ReadUnionBranch(2) == 0 ? null : ReadString();

    public DateTime ReadTimestampMillis() => DateTime.UnixEpoch.AddMilliseconds(ReadLong());

    /// <summary>The branch of a union of <paramref name="branches"/> types.</summary>
    public int ReadUnionBranch(int branches)
    {
        var branch = ReadLong();
        return branch < 0 || branch >= branches ? throw new InvalidDataException($"Union branch {branch} of {branches}.") : (int)branch;
    }

    /// <summary>The index of an enum symbol, of <paramref name="symbols"/>.</summary>
    public int ReadEnumIndex(int symbols)
    {
        var index = ReadLong();
        return index < 0 || index >= symbols ? throw new InvalidDataException($"Enum index {index} of {symbols} symbols.") : (int)index;
    }

    /// <summary>The item count of the next block of an array (0 ends it); a negative count is followed by the block's size in bytes.</summary>
    public long ReadBlockCount()
    {
        var count = ReadLong();
        if (count >= 0)
        {
            return count;
        }

        ReadLong(); // the block's size in bytes, for readers that skip it
        return count == long.MinValue ? throw new InvalidDataException("An Avro block count out of range.") : -count;
    }

    private byte Next() => _position < _data.Length ? _data[_position++] : throw EndOfBody(1);

    private ReadOnlySpan<byte> Take(int bytes)
    {
        if (bytes > _data.Length - _position)
        {
            throw EndOfBody(bytes);
        }

        var span = _data.Slice(_position, bytes);
        _position += bytes;
        return span;
    }

    private readonly EndOfStreamException EndOfBody(int wanted) =>
        new($"The Avro body ends at byte {_data.Length}; {wanted} more wanted at byte {_position}.");
}

/// <summary>NodeReading.avsc: nodeId, timestamp (timestamp-millis), then five doubles.</summary>
internal sealed class NodeReadingCodec : IAvroBinaryCodec<NodeReading>
{
    public static readonly NodeReadingCodec Instance = new();

    public void Write(NodeReading record, AvroBinaryWriter writer)
    {
        writer.WriteString(record.NodeId);
        writer.WriteTimestampMillis(record.Timestamp);
        writer.WriteDouble(record.CpuTemperatureCelsius);
        writer.WriteDouble(record.GpuTemperatureCelsius);
        writer.WriteDouble(record.PowerWatts);
        writer.WriteDouble(record.CpuUtilization);
        writer.WriteDouble(record.GpuUtilization);
    }

    public NodeReading Read(ref AvroBinaryReader reader) => new()
    {
        NodeId = reader.ReadString(),
        Timestamp = reader.ReadTimestampMillis(),
        CpuTemperatureCelsius = reader.ReadDouble(),
        GpuTemperatureCelsius = reader.ReadDouble(),
        PowerWatts = reader.ReadDouble(),
        CpuUtilization = reader.ReadDouble(),
        GpuUtilization = reader.ReadDouble(),
    };
}

/// <summary>EnrichedReading.avsc: the reading, job, user and account (each null or a string), the statistics, the anomalies.</summary>
internal sealed class EnrichedReadingCodec : IAvroBinaryCodec<EnrichedReading>
{
    public static readonly EnrichedReadingCodec Instance = new();
    private static readonly int AnomalySymbols = Enum.GetValues<AnomalyKind>().Length;

    public void Write(EnrichedReading record, AvroBinaryWriter writer)
    {
        NodeReadingCodec.Instance.Write(record.Reading, writer);
        writer.WriteNullableString(record.JobId);
        writer.WriteNullableString(record.User);
        writer.WriteNullableString(record.Account);
        var statistics = record.Statistics;
        writer.WriteInt(statistics.SampleCount);
        writer.WriteDouble(statistics.MeanPowerWatts);
        writer.WriteDouble(statistics.StdDevPowerWatts);
        writer.WriteDouble(statistics.MaxPowerWatts);
        writer.WriteDouble(statistics.MeanCpuTemperatureCelsius);
        writer.WriteDouble(statistics.MaxCpuTemperatureCelsius);
        writer.WriteDouble(statistics.MeanGpuTemperatureCelsius);
        if (record.Anomalies.Count > 0)
        {
            writer.WriteLong(record.Anomalies.Count);
            foreach (var anomaly in record.Anomalies)
            {
                writer.WriteInt((int)anomaly);
            }
        }

        writer.WriteLong(0);
    }

    public EnrichedReading Read(ref AvroBinaryReader reader)
    {
        var reading = NodeReadingCodec.Instance.Read(ref reader);
        var jobId = reader.ReadNullableString();
        var user = reader.ReadNullableString();
        var account = reader.ReadNullableString();
        var statistics = new RollingStatistics
        {
            SampleCount = reader.ReadInt(),
            MeanPowerWatts = reader.ReadDouble(),
            StdDevPowerWatts = reader.ReadDouble(),
            MaxPowerWatts = reader.ReadDouble(),
            MeanCpuTemperatureCelsius = reader.ReadDouble(),
            MaxCpuTemperatureCelsius = reader.ReadDouble(),
            MeanGpuTemperatureCelsius = reader.ReadDouble(),
        };
        var anomalies = new List<AnomalyKind>();
        for (var block = reader.ReadBlockCount(); block != 0; block = reader.ReadBlockCount())
        {
            for (var i = 0L; i < block; i++)
            {
                anomalies.Add((AnomalyKind)reader.ReadEnumIndex(AnomalySymbols));
            }
        }

        return new EnrichedReading(reading, statistics, anomalies) { JobId = jobId, User = user, Account = account };
    }
}

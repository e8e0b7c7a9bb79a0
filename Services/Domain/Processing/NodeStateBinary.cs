using System.Buffers;
using System.Buffers.Binary;
using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>
/// A compact binary form of <see cref="NodeState"/>s, for state written many times a second: a node's
/// window is 30 readings, and as JSON their doubles cost more CPU than everything else the processor
/// does to a reading (formatting a double as its shortest round-trip text). Here a double is its 8
/// bytes and a time its ticks, so the form round-trips exactly. A node's own readings (its window,
/// the readings waiting for a job, an integral's previous reading) are written with an empty id for
/// "this node's". Each integral carries its power samples. The form starts with its version, 3.
/// </summary>
public static class NodeStateBinary
{
    private const byte Version = 3;
    private const int PowerSampleBytes = 16;

    // A count beyond this is a corrupt length, not state: no partition holds that many nodes or readings.
    private const int MaxItems = 1 << 24;

    public static byte[] Encode(IReadOnlyList<NodeState> nodes)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer))
        {
            Write(writer, nodes);
        }

        return buffer.ToArray();
    }

    public static List<NodeState> Decode(byte[] encoded)
    {
        using var reader = new BinaryReader(new MemoryStream(encoded, writable: false));
        return Read(reader);
    }

    /// <summary>Writes the nodes where a larger binary form (e.g. a whole snapshot) is being written.</summary>
    public static void Write(BinaryWriter writer, IReadOnlyList<NodeState> nodes)
    {
        writer.Write(Version);
        WriteList(writer, nodes, Write);
    }

    public static List<NodeState> Read(BinaryReader reader)
    {
        var version = reader.ReadByte();
        return version == Version
            ? ReadList(reader, ReadNode)
            : throw new InvalidDataException($"Node state version {version}; this processor reads version {Version}.");
    }

    private static void Write(BinaryWriter writer, NodeState node)
    {
        writer.Write(node.Node);
        WriteOptionalTime(writer, node.LastReading);
        WriteReadings(writer, node.Node, node.Window);
        WriteReadings(writer, node.Node, node.Waiting);
        WriteList(writer, node.Runs, (w, run) =>
        {
            w.Write(run.JobId);
            w.Write(run.User);
            w.Write(run.Account);
            WriteList(w, run.Nodes, (w2, n) => w2.Write(n));
            WriteTime(w, run.Start);
            WriteOptionalTime(w, run.End);
            w.Write(run.FinalState is { } state ? (int)state : -1);
        });
        WriteList(writer, node.Integrals, (w, integral) =>
        {
            w.Write(integral.JobId);
            WriteTime(w, integral.Start);
            w.Write(integral.Previous is not null);
            if (integral.Previous is { } previous)
            {
                WriteReading(w, node.Node, previous);
            }

            w.Write(integral.Joules);
            w.Write(integral.PeakPowerWatts);
            w.Write(integral.ReadingCount);
            WritePowerSamples(w, integral.Power);
        });
    }

    private static NodeState ReadNode(BinaryReader reader)
    {
        var node = reader.ReadString();
        var lastReading = ReadOptionalTime(reader);
        var window = ReadList(reader, r => ReadReading(r, node));
        var waiting = ReadList(reader, r => ReadReading(r, node));
        var runs = ReadList(reader, r =>
        {
            var jobId = r.ReadString();
            var user = r.ReadString();
            var account = r.ReadString();
            var nodes = ReadList(r, r2 => r2.ReadString());
            var start = ReadTime(r);
            var end = ReadOptionalTime(r);
            var state = r.ReadInt32();
            return new JobRun(jobId, user, account, nodes, start) { End = end, FinalState = state < 0 ? null : (JobState)state };
        });
        var integrals = ReadList(reader, r =>
        {
            var jobId = r.ReadString();
            var start = ReadTime(r);
            var previous = r.ReadBoolean() ? ReadReading(r, node) : null;
            return new EnergyIntegralState(jobId, start, previous, r.ReadDouble(), r.ReadDouble(), r.ReadInt64(), ReadPowerSamples(r));
        });
        return new NodeState(node, lastReading, window, waiting, runs, integrals);
    }

    private const int FixedReadingBytes = 48;

    private static void WriteReading(BinaryWriter writer, string node, NodeReading reading)
    {
        writer.Write(reading.NodeId == node ? "" : reading.NodeId);
        Span<byte> fixedPart = stackalloc byte[FixedReadingBytes];
        WriteFixedPart(fixedPart, reading);
        writer.Write(fixedPart);
    }

    // A list of readings, the same bytes as WriteList of WriteReading, handed to the writer in one piece: the node's own
    // readings (all of them, in practice) are an empty id, one 0 byte, and their fixed part. A partition's snapshot holds
    // thousands of windowed readings several times a second, and a stream call for each was most of the snapshots' cost.
    private static void WriteReadings(BinaryWriter writer, string node, IReadOnlyList<NodeReading> readings)
    {
        writer.Write(readings.Count);
        var buffer = ArrayPool<byte>.Shared.Rent(readings.Count * (1 + FixedReadingBytes));
        var length = 0;
        for (var i = 0; i < readings.Count; i++)
        {
            var reading = readings[i];
            if (reading.NodeId != node)
            {
                writer.Write(buffer, 0, length);
                length = 0;
                WriteReading(writer, node, reading);
                continue;
            }

            buffer[length] = 0;
            WriteFixedPart(buffer.AsSpan(length + 1, FixedReadingBytes), reading);
            length += 1 + FixedReadingBytes;
        }

        writer.Write(buffer, 0, length);
        ArrayPool<byte>.Shared.Return(buffer);
    }

    // A count (-1: not known), then each sample's time and watts, in one piece: a run's samples are one a reading.
    private static void WritePowerSamples(BinaryWriter writer, IReadOnlyList<PowerSample>? samples)
    {
        if (samples is null)
        {
            writer.Write(-1);
            return;
        }

        writer.Write(samples.Count);
        var buffer = ArrayPool<byte>.Shared.Rent(samples.Count * PowerSampleBytes);
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = buffer.AsSpan(i * PowerSampleBytes, PowerSampleBytes);
            BinaryPrimitives.WriteInt64LittleEndian(sample, samples[i].Time.ToBinary());
            BinaryPrimitives.WriteDoubleLittleEndian(sample[8..], samples[i].Watts);
        }

        writer.Write(buffer, 0, samples.Count * PowerSampleBytes);
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private static List<PowerSample>? ReadPowerSamples(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count == -1)
        {
            return null;
        }

        if (count is < 0 or > MaxItems)
        {
            throw new InvalidDataException($"A list of {count} power samples in a node state: the state is corrupt.");
        }

        var samples = new List<PowerSample>(Math.Min(count, 1_024));
        for (var i = 0; i < count; i++)
        {
            samples.Add(new PowerSample { Time = ReadTime(reader), Watts = reader.ReadDouble() });
        }

        return samples;
    }

    private static void WriteFixedPart(Span<byte> fixedPart, NodeReading reading)
    {
        BinaryPrimitives.WriteInt64LittleEndian(fixedPart, reading.Timestamp.ToBinary());
        BinaryPrimitives.WriteDoubleLittleEndian(fixedPart[8..], reading.CpuTemperatureCelsius);
        BinaryPrimitives.WriteDoubleLittleEndian(fixedPart[16..], reading.GpuTemperatureCelsius);
        BinaryPrimitives.WriteDoubleLittleEndian(fixedPart[24..], reading.PowerWatts);
        BinaryPrimitives.WriteDoubleLittleEndian(fixedPart[32..], reading.CpuUtilization);
        BinaryPrimitives.WriteDoubleLittleEndian(fixedPart[40..], reading.GpuUtilization);
    }

    private static NodeReading ReadReading(BinaryReader reader, string node) => new()
    {
        NodeId = reader.ReadString() is { Length: > 0 } id ? id : node,
        Timestamp = ReadTime(reader),
        CpuTemperatureCelsius = reader.ReadDouble(),
        GpuTemperatureCelsius = reader.ReadDouble(),
        PowerWatts = reader.ReadDouble(),
        CpuUtilization = reader.ReadDouble(),
        GpuUtilization = reader.ReadDouble(),
    };

    // A time is its ticks and kind (DateTime.ToBinary); an optional one is preceded by whether it is there.
    private static void WriteTime(BinaryWriter writer, DateTime time) => writer.Write(time.ToBinary());

    private static DateTime ReadTime(BinaryReader reader) => DateTime.FromBinary(reader.ReadInt64());

    private static void WriteOptionalTime(BinaryWriter writer, DateTime? time)
    {
        writer.Write(time.HasValue);
        if (time is { } value)
        {
            WriteTime(writer, value);
        }
    }

    private static DateTime? ReadOptionalTime(BinaryReader reader) => reader.ReadBoolean() ? ReadTime(reader) : null;

    /// <summary>A count, then each item: the building block of this form, for whatever carries node states.</summary>
    public static void WriteList<T>(BinaryWriter writer, IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        writer.Write(items.Count);
        foreach (var item in items)
        {
            write(writer, item);
        }
    }

    public static List<T> ReadList<T>(BinaryReader reader, Func<BinaryReader, T> read)
    {
        var count = reader.ReadInt32();
        if (count is < 0 or > MaxItems)
        {
            throw new InvalidDataException($"A list of {count} items in a node state: the state is corrupt.");
        }

        var items = new List<T>(Math.Min(count, 1_024));
        for (var i = 0; i < count; i++)
        {
            items.Add(read(reader));
        }

        return items;
    }
}

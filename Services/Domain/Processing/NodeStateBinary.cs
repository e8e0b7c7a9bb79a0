using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>
/// A compact binary form of <see cref="NodeState"/>s, for state written many times a second: a node's
/// window is 30 readings, and as JSON their doubles cost more CPU than everything else the processor
/// does to a reading (formatting a double as its shortest round-trip text). Here a double is its 8
/// bytes and a time its ticks, so the form round-trips exactly.
/// </summary>
public static class NodeStateBinary
{
    private const byte Version = 1;

    public static byte[] Encode(IReadOnlyList<NodeState> nodes)
    {
        using var buffer = new MemoryStream(capacity: 64 + nodes.Count * 1_600);
        using (var writer = new BinaryWriter(buffer))
        {
            writer.Write(Version);
            writer.Write(nodes.Count);
            foreach (var node in nodes)
            {
                Write(writer, node);
            }
        }

        return buffer.ToArray();
    }

    public static List<NodeState> Decode(ReadOnlySpan<byte> encoded)
    {
        using var reader = new BinaryReader(new MemoryStream(encoded.ToArray()));
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new InvalidDataException($"Node state version {version}; this processor reads version {Version}.");
        }

        var nodes = new List<NodeState>(reader.ReadInt32());
        for (var i = nodes.Capacity; i > 0; i--)
        {
            nodes.Add(ReadNode(reader));
        }

        return nodes;
    }

    private static void Write(BinaryWriter writer, NodeState node)
    {
        writer.Write(node.Node);
        WriteOptionalTime(writer, node.LastReading);
        WriteList(writer, node.Window, WriteReading);
        WriteList(writer, node.Waiting, WriteReading);
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
                WriteReading(w, previous);
            }

            w.Write(integral.Joules);
            w.Write(integral.PeakPowerWatts);
            w.Write(integral.ReadingCount);
        });
    }

    private static NodeState ReadNode(BinaryReader reader)
    {
        var node = reader.ReadString();
        var lastReading = ReadOptionalTime(reader);
        var window = ReadList(reader, ReadReading);
        var waiting = ReadList(reader, ReadReading);
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
            var previous = r.ReadBoolean() ? ReadReading(r) : null;
            return new EnergyIntegralState(jobId, start, previous, r.ReadDouble(), r.ReadDouble(), r.ReadInt64());
        });
        return new NodeState(node, lastReading, window, waiting, runs, integrals);
    }

    private static void WriteReading(BinaryWriter writer, NodeReading reading)
    {
        writer.Write(reading.NodeId);
        WriteTime(writer, reading.Timestamp);
        writer.Write(reading.CpuTemperatureCelsius);
        writer.Write(reading.GpuTemperatureCelsius);
        writer.Write(reading.PowerWatts);
        writer.Write(reading.CpuUtilization);
        writer.Write(reading.GpuUtilization);
    }

    private static NodeReading ReadReading(BinaryReader reader) => new()
    {
        NodeId = reader.ReadString(),
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

    private static void WriteList<T>(BinaryWriter writer, IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        writer.Write(items.Count);
        foreach (var item in items)
        {
            write(writer, item);
        }
    }

    private static List<T> ReadList<T>(BinaryReader reader, Func<BinaryReader, T> read)
    {
        var count = reader.ReadInt32();
        if (count < 0 || count > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"A list of {count} items does not fit in what is left of the node state.");
        }

        var items = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            items.Add(read(reader));
        }

        return items;
    }
}

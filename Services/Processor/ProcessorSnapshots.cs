using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Avro.Specific;
using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;

namespace HpcAspire.Processor;

/// <summary>
/// The state of one input partition, written to the state topic in the same transaction as that
/// partition's offset. <see cref="NextOffset"/> is the offset it is consistent with, and where
/// processing goes on after a restore: the offset is stored with the state (the group's committed
/// offset, from the same transaction, is the same on a real broker; librdkafka's mock does not keep
/// transactional offset commits). <see cref="JobEventOffsets"/> are the job-event positions whose
/// events it includes.
/// </summary>
internal sealed record PartitionSnapshot(
    string Topic,
    int Partition,
    long NextOffset,
    IReadOnlyDictionary<int, long> JobEventOffsets,
    IReadOnlyDictionary<int, DateTime> Clocks,
    IReadOnlyList<NodeState>? Nodes,
    IReadOnlyList<JobEnergyPart>? PendingParts,
    IReadOnlyList<JobTableState>? JobTables)
{
    public string Key => KeyOf(Topic, Partition);

    public static string KeyOf(string topic, int partition) => $"{topic}/{partition}";
}

/// <summary>The jobs of one job-event partition started and not ended, as of <see cref="Position"/>.</summary>
internal sealed record JobTableState(int Partition, long Position, IReadOnlyList<string> OpenJobs);

/// <summary>JSON for state that is not written every transaction (the RabbitMQ processor's state file) and for a snapshot's few pending shares and open jobs.</summary>
internal static class SnapshotJson
{
    // Avro records carry their Schema as a property: not state. Node states, the bulk of it, are binary.
    public static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new NodeStatesConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                info =>
                {
                    if (typeof(ISpecificRecord).IsAssignableFrom(info.Type) && info.Kind == JsonTypeInfoKind.Object)
                    {
                        foreach (var property in info.Properties.Where(p => p.Name == nameof(ISpecificRecord.Schema)).ToList())
                        {
                            info.Properties.Remove(property);
                        }
                    }
                },
            },
        },
    };
}

/// <summary>
/// Node states inside a snapshot's JSON as one base64 string of <see cref="NodeStateBinary"/>: they are
/// written every transaction, and as JSON they cost more than processing the readings did.
/// </summary>
internal sealed class NodeStatesConverter : JsonConverter<IReadOnlyList<NodeState>>
{
    public override IReadOnlyList<NodeState>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? NodeStateBinary.Decode(reader.GetBytesFromBase64())
            : throw new JsonException($"Node states are a base64 string, not {reader.TokenType}.");

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<NodeState> value, JsonSerializerOptions options) =>
        writer.WriteBase64StringValue(NodeStateBinary.Encode(value));
}

/// <summary>
/// A partition snapshot as the state topic holds it: binary, compressed on the wire by the producer
/// (LZ4 by default, see KafkaClientSettings) like every other message. Snapshots are written in every
/// transaction, several times a second: as JSON they took a fifth of the processor's CPU, and gzipped
/// binary still spent 6 % of it in the deflater before LZ4 compressed the gzip's output again.
/// </summary>
internal static class SnapshotCodec
{
    private const byte Version = 3;

    // One buffer per thread, reused: a partition's snapshot is hundreds of KB, and growing fresh
    // streams for each (several a second) kept the large-object heap and the background GC busy.
    // Only the returned array, the message's value, is new.
    [ThreadStatic]
    private static MemoryStream? s_buffer;

    public static byte[] Serialize(PartitionSnapshot snapshot)
    {
        var buffer = s_buffer ??= new MemoryStream();
        buffer.SetLength(0);
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            WriteBody(writer, snapshot);
        }

        return buffer.ToArray();
    }

    private static void WriteBody(BinaryWriter writer, PartitionSnapshot snapshot)
    {
        writer.Write(snapshot.Topic);
        writer.Write(snapshot.Partition);
        writer.Write(snapshot.NextOffset);
        NodeStateBinary.WriteList(writer, [.. snapshot.JobEventOffsets], (w, o) => { w.Write(o.Key); w.Write(o.Value); });
        NodeStateBinary.WriteList(writer, [.. snapshot.Clocks], (w, c) => { w.Write(c.Key); w.Write(c.Value.ToBinary()); });
        writer.Write(snapshot.Nodes is not null);
        if (snapshot.Nodes is { } nodes)
        {
            NodeStateBinary.Write(writer, nodes);
        }

        // Pending shares and open jobs are few: JSON keeps the Avro records' fields readable.
        writer.Write(snapshot.PendingParts is null ? "" : JsonSerializer.Serialize(snapshot.PendingParts, SnapshotJson.Options));
        writer.Write(snapshot.JobTables is null ? "" : JsonSerializer.Serialize(snapshot.JobTables, SnapshotJson.Options));
    }

    public static PartitionSnapshot Deserialize(byte[] snapshot)
    {
        if (snapshot.Length == 0 || snapshot[0] != Version)
        {
            throw new InvalidDataException($"Snapshot format {(snapshot.Length > 0 ? snapshot[0] : -1)}; this processor reads format {Version}.");
        }

        using var reader = new BinaryReader(new MemoryStream(snapshot, 1, snapshot.Length - 1, writable: false));
        return ReadBody(reader);
    }

    private static PartitionSnapshot ReadBody(BinaryReader reader)
    {
        var topic = reader.ReadString();
        var partition = reader.ReadInt32();
        var nextOffset = reader.ReadInt64();
        var jobEventOffsets = NodeStateBinary.ReadList(reader, r => (r.ReadInt32(), r.ReadInt64())).ToDictionary(o => o.Item1, o => o.Item2);
        var clocks = NodeStateBinary.ReadList(reader, r => (r.ReadInt32(), DateTime.FromBinary(r.ReadInt64()))).ToDictionary(c => c.Item1, c => c.Item2);
        var nodes = reader.ReadBoolean() ? NodeStateBinary.Read(reader) : null;
        var parts = reader.ReadString() is { Length: > 0 } partsJson ? JsonSerializer.Deserialize<List<JobEnergyPart>>(partsJson, SnapshotJson.Options) : null;
        var tables = reader.ReadString() is { Length: > 0 } tablesJson ? JsonSerializer.Deserialize<List<JobTableState>>(tablesJson, SnapshotJson.Options) : null;
        return new PartitionSnapshot(topic, partition, nextOffset, jobEventOffsets, clocks, nodes, parts, tables);
    }
}

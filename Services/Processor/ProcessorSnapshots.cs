using System.IO.Compression;
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

    // Gzipped: a partition of a few hundred nodes holds thousands of windowed readings, whose JSON
    // passes the broker's 1 MB message limit; it compresses about tenfold.
    public static byte[] Serialize(PartitionSnapshot snapshot)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            JsonSerializer.Serialize(gzip, snapshot, Options);
        }

        return compressed.ToArray();
    }

    public static PartitionSnapshot? Deserialize(byte[] snapshot)
    {
        using var gzip = new GZipStream(new MemoryStream(snapshot), CompressionMode.Decompress);
        return JsonSerializer.Deserialize<PartitionSnapshot>(gzip, Options);
    }
}

/// <summary>
/// Node states inside a snapshot's JSON as one base64 string of <see cref="NodeStateBinary"/>: they are
/// written every transaction, and as JSON they cost more than processing the readings did. A JSON array
/// (a snapshot written before this form) is still read.
/// </summary>
internal sealed class NodeStatesConverter : JsonConverter<IReadOnlyList<NodeState>>
{
    public override IReadOnlyList<NodeState>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => NodeStateBinary.Decode(reader.GetBytesFromBase64()),
        JsonTokenType.StartArray => JsonSerializer.Deserialize<List<NodeState>>(ref reader, options),
        _ => throw new JsonException($"Node states are a base64 string or an array, not {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<NodeState> value, JsonSerializerOptions options) =>
        writer.WriteBase64StringValue(NodeStateBinary.Encode(value));
}

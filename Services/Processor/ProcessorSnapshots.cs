using System.Text.Json;
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
    // Avro records carry their Schema as a property: not state.
    public static readonly JsonSerializerOptions Options = new()
    {
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

    public static byte[] Serialize(PartitionSnapshot snapshot) => JsonSerializer.SerializeToUtf8Bytes(snapshot, Options);

    public static PartitionSnapshot? Deserialize(byte[] json) => JsonSerializer.Deserialize<PartitionSnapshot>(json, Options);
}

using Confluent.Kafka;

namespace HpcAspire.AppHost.Infrastructure.Kafka.Embedded;

/// <summary>
/// Deletes what every reader of a topic has read, in the embedded cluster (<see cref="KafkaSettings.TrimConsumed"/>).
/// librdkafka's mock finds a fetch's batch by walking the partition's log from its oldest batch, so the cost of every
/// fetch grows with the log, up to its 5 MiB; a trimmed log holds only what its readers have still to read.
/// </summary>
/// <remarks>
/// A partition is trimmed to the lowest offset its groups have committed, and only once every one of them has
/// committed in it: a group that has not (yet) committed there, or whose offsets could not be read, holds it back.
/// Committed offsets are the groups' own resume points (the processor's are at or before its snapshots'), so nothing
/// a reader can still ask for is deleted. The offsets are read as <see cref="KafkaClusterViewReader"/> reads them,
/// by consumers that carry the group's id and never join it.
/// </remarks>
public sealed class ConsumedRecordsTrimmer : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> _readers;
    private readonly Dictionary<string, List<TopicPartition>> _partitionsByGroup;
    private readonly Dictionary<string, IConsumer<byte[], byte[]>> _observers;
    private readonly Dictionary<TopicPartition, long> _trimmedTo = [];

    public ConsumedRecordsTrimmer(string bootstrapServers, KafkaSettings settings)
    {
        _readers = settings.TrimConsumed;
        _partitionsByGroup = _readers
            .SelectMany(topic => topic.Value.Select(group => (Group: group, Topic: topic.Key)))
            .GroupBy(x => x.Group)
            .ToDictionary(g => g.Key, g => g.SelectMany(x => Enumerable.Range(0, settings.Topics[x.Topic]).Select(p => new TopicPartition(x.Topic, p))).ToList());
        _observers = _partitionsByGroup.Keys.ToDictionary(group => group, group => KafkaClusterViewReader.Observer(bootstrapServers, group));
    }

    /// <summary>Records deleted so far, per trimmed topic.</summary>
    public IReadOnlyDictionary<string, long> Deleted => _readers.Keys.ToDictionary(
        topic => topic, topic => _trimmedTo.Where(t => t.Key.Topic == topic).Sum(t => t.Value));

    /// <summary>One round: reads the groups' committed offsets and deletes up to them through <paramref name="delete"/>;
    /// returns the partitions trimmed. A group whose offsets cannot be read now holds its topics back this round.</summary>
    public IReadOnlyList<TopicPartitionOffset> TrimOnce(Action<TopicPartitionOffset> delete)
    {
        var committed = new Dictionary<string, IReadOnlyDictionary<TopicPartition, long>>();
        foreach (var (group, partitions) in _partitionsByGroup)
        {
            try
            {
                committed[group] = _observers[group].Committed(partitions, RequestTimeout)
                    .Where(c => c.Offset.Value >= 0).ToDictionary(c => c.TopicPartition, c => c.Offset.Value);
            }
            catch (KafkaException)
            {
                // Its coordinator did not answer (a broker just stopped): its topics wait for the next round.
            }
        }

        var plan = Plan(_readers, committed, _trimmedTo);
        foreach (var trim in plan)
        {
            delete(trim);
            _trimmedTo[trim.TopicPartition] = trim.Offset.Value;
        }

        return plan;
    }

    /// <summary>
    /// Where each partition of a trimmed topic can be trimmed to: the lowest offset the topic's groups have committed
    /// there, when every one of them has and it is past the last trim (<paramref name="trimmedTo"/>, 0 before any).
    /// </summary>
    public static IReadOnlyList<TopicPartitionOffset> Plan(IReadOnlyDictionary<string, IReadOnlyList<string>> readers,
        IReadOnlyDictionary<string, IReadOnlyDictionary<TopicPartition, long>> committed, IReadOnlyDictionary<TopicPartition, long> trimmedTo)
    {
        var plan = new List<TopicPartitionOffset>();
        foreach (var (topic, groups) in readers)
        {
            var partitions = groups.SelectMany(group => committed.GetValueOrDefault(group)?.Keys ?? [])
                .Where(tp => tp.Topic == topic).Distinct().OrderBy(tp => tp.Partition.Value);
            foreach (var tp in partitions)
            {
                var offsets = groups.Select(group => committed.GetValueOrDefault(group)?.GetValueOrDefault(tp, -1) ?? -1).ToList();
                if (offsets.Min() is var before && before > trimmedTo.GetValueOrDefault(tp))
                {
                    plan.Add(new TopicPartitionOffset(tp, before));
                }
            }
        }

        return plan;
    }

    public void Dispose()
    {
        foreach (var observer in _observers.Values)
        {
            observer.Dispose();
        }
    }
}

using Confluent.Kafka;

namespace HpcAspire.AppHost.Infrastructure.Kafka.Embedded;

/// <summary>One partition as a client sees it: its leader, replicas, in-sync replicas and end offset.</summary>
public sealed record PartitionView(int Partition, int Leader, int[] Replicas, int[] InSyncReplicas, long EndOffset);

/// <summary>A consumer group's committed position against the end of each topic it reads; null where it has committed nothing.</summary>
public sealed record GroupLagView(string Group, IReadOnlyDictionary<string, long?> LagByTopic)
{
    /// <summary>Why the group's offsets could not be read this time, else null.</summary>
    public string? Unavailable { get; init; }

    public long? TotalLag => LagByTopic.Values.All(lag => lag is null) ? null : LagByTopic.Values.Sum(lag => lag ?? 0);
}

/// <summary>The application's topics and consumer groups as the cluster reports them to a client, at one moment.</summary>
public sealed record ClusterView(IReadOnlyDictionary<string, IReadOnlyList<PartitionView>> Topics, IReadOnlyList<GroupLagView> Groups)
{
    /// <summary>How many partitions of the application's topics the broker leads.</summary>
    public int LeaderCount(int brokerId) => Topics.Values.Sum(partitions => partitions.Count(p => p.Leader == brokerId));

    /// <summary>
    /// As dashboard properties: one per topic (its partitions' leaders, ISR sizes and end offsets, in partition order),
    /// one per consumer group (its lag). Short enough to read in the resource's details.
    /// </summary>
    public IEnumerable<ResourcePropertySnapshot> AsProperties()
    {
        foreach (var (topic, partitions) in Topics.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            yield return new($"Topic {topic}",
                $"leaders {string.Join(",", partitions.Select(p => p.Leader))} · " +
                $"in sync {string.Join(",", partitions.Select(p => $"{p.InSyncReplicas.Length}/{p.Replicas.Length}"))} · " +
                $"end offsets {partitions.Sum(p => p.EndOffset):N0}");
        }

        foreach (var group in Groups)
        {
            yield return new($"Group {group.Group} lag",
                group.Unavailable is { } reason ? $"unknown: {reason}"
                : group.TotalLag is { } total ? $"{total:N0} ({string.Join(", ", group.LagByTopic.Where(t => t.Value is not null).Select(t => $"{t.Key} {t.Value:N0}"))})"
                : "no committed offsets");
        }
    }
}

/// <summary>
/// Reads <see cref="ClusterView"/>s with long-lived clients, as any Kafka client would see the cluster: metadata
/// (leaders, replicas, ISR) from an admin client, end offsets and each group's committed offsets from consumers that
/// never join a group. (Not the admin API's ListOffsets / ListConsumerGroupOffsets: a request of theirs that timed out
/// against the embedded cluster crashed the process in librdkafka's rd_kafka_enq_once_del_source_return.)
/// </summary>
public sealed class KafkaClusterViewReader : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly IReadOnlyCollection<string> _topics;
    private readonly IAdminClient _admin;
    private readonly IConsumer<byte[], byte[]> _offsets;
    private readonly Dictionary<string, IConsumer<byte[], byte[]>> _groups;

    public KafkaClusterViewReader(string bootstrapServers, IReadOnlyCollection<string> topics, IReadOnlyCollection<string> groups)
    {
        _topics = topics;
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).SetLogHandler((_, _) => { }).Build();
        _offsets = Observer(bootstrapServers, "hpcaspire-cluster-view");
        _groups = groups.ToDictionary(group => group, group => Observer(bootstrapServers, group));
    }

    public async Task<ClusterView> ReadAsync(CancellationToken cancellationToken) =>
        await Task.Run(Read, cancellationToken);

    public void Dispose()
    {
        _offsets.Dispose();
        foreach (var group in _groups.Values)
        {
            group.Dispose();
        }

        _admin.Dispose();
    }

    private ClusterView Read()
    {
        var metadata = _admin.GetMetadata(RequestTimeout);
        var partitions = metadata.Topics.Where(t => _topics.Contains(t.Topic) && !t.Error.IsError)
            .SelectMany(t => t.Partitions.Select(p => (t.Topic, Metadata: p))).ToList();
        var ends = partitions.Select(p => new TopicPartition(p.Topic, p.Metadata.PartitionId))
            .ToDictionary(tp => tp, tp => _offsets.QueryWatermarkOffsets(tp, RequestTimeout).High.Value);

        var topics = partitions.GroupBy(p => p.Topic).ToDictionary(
            t => t.Key,
            t => (IReadOnlyList<PartitionView>)t.OrderBy(p => p.Metadata.PartitionId).Select(p => new PartitionView(
                p.Metadata.PartitionId, p.Metadata.Leader, p.Metadata.Replicas, p.Metadata.InSyncReplicas,
                ends[new TopicPartition(p.Topic, p.Metadata.PartitionId)])).ToList());
        return new ClusterView(topics, _groups.Select(group => ReadLag(group.Key, group.Value, ends)).ToList());
    }

    /// <summary>
    /// The group's lag per topic it has committed in: the end offsets minus its committed offsets, a partition it has
    /// not committed in counting from the start. A group whose coordinator does not answer in time shows as unknown.
    /// </summary>
    private static GroupLagView ReadLag(string group, IConsumer<byte[], byte[]> observer, IReadOnlyDictionary<TopicPartition, long> ends)
    {
        List<TopicPartitionOffset> committed;
        try
        {
            committed = observer.Committed(ends.Keys, RequestTimeout);
        }
        catch (KafkaException ex)
        {
            return new GroupLagView(group, new Dictionary<string, long?>()) { Unavailable = ex.Error.Reason };
        }

        var byTopic = committed.GroupBy(p => p.Topic)
            .Where(topic => topic.Any(p => p.Offset.Value >= 0))
            .ToDictionary(topic => topic.Key, topic => (long?)topic.Sum(p => Math.Max(0, ends[p.TopicPartition] - Math.Max(0, p.Offset.Value))));
        return new GroupLagView(group, byTopic);
    }

    // A consumer that never subscribes: it reads offsets, and with a group id the group's commits, without joining it.
    internal static IConsumer<byte[], byte[]> Observer(string bootstrapServers, string groupId) =>
        new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers, GroupId = groupId, EnableAutoCommit = false,
            // Leaders move when a broker stops; learn where they went within a round or two.
            TopicMetadataRefreshIntervalMs = 2_000,
        }).SetLogHandler((_, _) => { }).Build();
}

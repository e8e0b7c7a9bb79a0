using Confluent.Kafka;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>What a cell asks of its cluster: brokers, one topic and its replication, and the consumer groups it will use.</summary>
internal sealed record ClusterRequest(int Brokers, string Topic, int Partitions, int ReplicationFactor, int MinInsyncReplicas, IReadOnlyList<string> ConsumerGroups);

/// <summary>A topic as the cluster's metadata reports it.</summary>
internal sealed record TopicLayout(int Brokers, int Partitions, int MinReplicas, int MaxReplicas, int MinInSyncReplicas, IReadOnlyList<int> Leaders)
{
    public IReadOnlyList<int> PartitionsLedBy(int broker) => Leaders.Select((leader, p) => (leader, p)).Where(x => x.leader == broker).Select(x => x.p).ToList();
}

/// <summary>The cluster one cell runs on, with the cell's topic created; disposing it removes what the cell made.</summary>
internal abstract class CellCluster : IDisposable
{
    public abstract string BootstrapServers { get; }

    /// <summary>The cell's topic (on an existing cluster, the requested name with a run suffix).</summary>
    public abstract string Topic { get; }

    /// <summary>Why brokers cannot be stopped from here, or null when they can.</summary>
    public abstract string? BrokerStopUnavailable { get; }

    /// <summary>How min.insync.replicas was applied, for the results: the mock does not apply it.</summary>
    public abstract string MinInsyncReplicasApplied { get; }

    public abstract void StopBroker(int brokerId);

    public abstract void StartBroker(int brokerId);

    public string GroupName(string group) => $"{Topic}-{group}";

    public TopicLayout ReadLayout(TimeSpan timeout)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers })
            .SetLogHandler((_, _) => { }).Build();
        var metadata = admin.GetMetadata(Topic, timeout);
        var topic = metadata.Topics.Single();
        if (topic.Error.IsError)
        {
            throw new InvalidOperationException($"metadata of {Topic}: {topic.Error.Reason}");
        }

        var partitions = topic.Partitions.OrderBy(p => p.PartitionId).ToList();
        return new TopicLayout(metadata.Brokers.Count, partitions.Count, partitions.Min(p => p.Replicas.Length), partitions.Max(p => p.Replicas.Length),
            partitions.Min(p => p.InSyncReplicas.Length), partitions.Select(p => p.Leader).ToList());
    }

    public abstract void Dispose();
}

/// <summary>Where the cells' clusters come from: a fresh embedded cluster per cell, or one existing cluster.</summary>
internal interface IClusterTarget
{
    /// <summary>"embedded" or the bootstrap list, for the results.</summary>
    string Description { get; }

    /// <summary>The broker count every cell gets whatever it asks (an existing cluster), or null when cells choose.</summary>
    int? FixedBrokerCount { get; }

    CellCluster Open(ClusterRequest request);
}

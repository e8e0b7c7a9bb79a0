using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// A running cluster given by its bootstrap list (containers mode's brokers): every cell gets the brokers it has, and
/// its own topic, created with the cell's replication factor and min.insync.replicas and deleted after the cell.
/// </summary>
internal sealed class ExistingClusterTarget(string bootstrapServers) : IClusterTarget
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly Lazy<int> _brokers = new(() =>
    {
        using var admin = Admin(bootstrapServers);
        return admin.GetMetadata(Timeout).Brokers.Count;
    });

    public string Description => bootstrapServers;

    public int? FixedBrokerCount => _brokers.Value;

    public CellCluster Open(ClusterRequest request) => new ExistingCellCluster(bootstrapServers, request);

    private static IAdminClient Admin(string servers) =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers }).SetLogHandler((_, _) => { }).Build();

    private sealed class ExistingCellCluster : CellCluster
    {
        public ExistingCellCluster(string servers, ClusterRequest request)
        {
            BootstrapServers = servers;
            Topic = $"{request.Topic}-{Guid.NewGuid().ToString("N")[..8]}";
            using var admin = Admin(servers);
            var created = admin.CreateTopicsAsync(
            [
                new TopicSpecification
                {
                    Name = Topic, NumPartitions = request.Partitions, ReplicationFactor = (short)request.ReplicationFactor,
                    Configs = new Dictionary<string, string> { ["min.insync.replicas"] = request.MinInsyncReplicas.ToString() },
                },
            ]);
            if (!created.Wait(Timeout))
            {
                throw new TimeoutException($"creating topic {Topic} took longer than {Timeout.TotalSeconds:0} s");
            }

            var applied = admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = Topic }]).Result
                .Single().Entries.GetValueOrDefault("min.insync.replicas")?.Value;
            MinInsyncReplicasApplied = applied ?? "unknown";
        }

        public override string BootstrapServers { get; }

        public override string Topic { get; }

        public override string? BrokerStopUnavailable =>
            "skipped: stopping a broker of an existing cluster is not done from here; stop a broker container yourself " +
            "(docker stop <broker>) while a producer and consumer run, or use the embedded cluster";

        public override string MinInsyncReplicasApplied { get; }

        public override void StopBroker(int brokerId) => throw new NotSupportedException(BrokerStopUnavailable);

        public override void StartBroker(int brokerId) => throw new NotSupportedException(BrokerStopUnavailable);

        public override void Dispose()
        {
            using var admin = Admin(BootstrapServers);
            try
            {
                admin.DeleteTopicsAsync([Topic]).Wait(Timeout);
            }
            catch (AggregateException)
            {
                // A topic left behind is named by its run; it must not fail the cell that measured it.
            }
        }
    }
}

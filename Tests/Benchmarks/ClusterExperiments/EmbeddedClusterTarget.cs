using HpcAspire.AppHost.Infrastructure;
using HpcAspire.AppHost.Infrastructure.Kafka.Embedded;
using Microsoft.Extensions.Logging.Abstractions;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// A fresh embedded cluster per cell, run by the AppHost's own <see cref="EmbeddedKafkaController"/>: the controller
/// behind the dashboard's Stop/Start broker commands, so a broker stopped here fails over exactly as one stopped there.
/// </summary>
internal sealed class EmbeddedClusterTarget : IClusterTarget
{
    public string Description => "embedded";

    public int? FixedBrokerCount => null;

    public CellCluster Open(ClusterRequest request) => new EmbeddedCellCluster(request);

    private sealed class EmbeddedCellCluster : CellCluster
    {
        private readonly EmbeddedKafkaController _controller;

        public EmbeddedCellCluster(ClusterRequest request)
        {
            Topic = request.Topic;
            _controller = new EmbeddedKafkaController(new KafkaSettings
            {
                Brokers = request.Brokers,
                ReplicationFactor = request.ReplicationFactor,
                MinInsyncReplicas = request.MinInsyncReplicas,
                Topics = new Dictionary<string, int> { [request.Topic] = request.Partitions },
                // Named so the controller keeps their coordinators on running brokers, as it does the application's.
                ConsumerGroups = request.ConsumerGroups.Select(GroupName).ToArray(),
            }, NullLogger.Instance);
            BootstrapServers = _controller.Start();
        }

        public override string BootstrapServers { get; }

        public override string Topic { get; }

        public override string? BrokerStopUnavailable => null;

        public override string MinInsyncReplicasApplied => "no (the mock does not apply it)";

        public override void StopBroker(int brokerId) => _controller.StopBroker(brokerId);

        public override void StartBroker(int brokerId) => _controller.StartBroker(brokerId);

        public override void Dispose() => _controller.Dispose();
    }
}

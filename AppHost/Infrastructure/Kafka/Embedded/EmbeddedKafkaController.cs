using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace HpcAspire.AppHost.Infrastructure.Kafka.Embedded;

/// <summary>
/// Runs the mock cluster and plays the controller it lacks: creates the application's topics,
/// keeps every partition leader and every group / transaction coordinator on a live broker when
/// a broker stops, and spreads them again when it returns.
/// </summary>
public sealed class EmbeddedKafkaController(KafkaSettings settings, ILogger logger) : IDisposable
{
    private const string GroupKey = "group";
    private const string TransactionKey = "transaction";

    private readonly MockKafkaCluster _cluster = new(log: (level, facility, message) => Log(logger, level, facility, message));
    private readonly HashSet<int> _stopped = [];
    private readonly Lock _gate = new();

    // The mock accepts client connections without close-on-exec: a process started from this one
    // afterwards would inherit them and keep a stopped broker's connections open. Seal them often.
    private Timer? _socketSealer;

    public string BootstrapServers => _cluster.Bootstraps;

    public IReadOnlyDictionary<int, int> BrokerPorts => _cluster.BrokerPorts;

    public string Start()
    {
        lock (_gate)
        {
            // Like KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0 on the container brokers.
            var servers = _cluster.Start(settings.Brokers, groupInitialRebalanceDelayMs: 0);
            foreach (var (topic, partitions) in settings.Topics)
            {
                _cluster.CreateTopic(topic, partitions, settings.ReplicationFactor);
                logger.LogInformation("Topic {Topic}: {Partitions} partitions, replication factor {ReplicationFactor}", topic, partitions, settings.ReplicationFactor);
            }

            SpreadCoordinators();
            _socketSealer = new Timer(_ => MockKafkaCluster.SealInheritableSockets(), null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
            logger.LogInformation("Embedded Kafka cluster of {Brokers} brokers at {BootstrapServers}", settings.Brokers, servers);
            return servers;
        }
    }

    public bool IsRunning(int brokerId)
    {
        lock (_gate)
        {
            return !_stopped.Contains(brokerId);
        }
    }

    /// <summary>Partitions (of the application's topics) the broker leads now.</summary>
    public int LeaderCount(int brokerId)
    {
        lock (_gate)
        {
            return settings.Topics.Keys.Sum(topic => _cluster.Leaders(topic).Count(leader => leader == brokerId));
        }
    }

    /// <summary>Stops a broker as a crash would, then fails its leaderships over to other running replicas and moves its
    /// coordinators (partitions without another running replica stay unavailable until it starts again).</summary>
    public void StopBroker(int brokerId)
    {
        lock (_gate)
        {
            CheckBrokerId(brokerId);
            if (_stopped.Contains(brokerId))
            {
                return;
            }

            if (_stopped.Count == settings.Brokers - 1)
            {
                throw new InvalidOperationException($"Broker {brokerId} is the last running broker; start another broker before stopping it.");
            }

            MockKafkaCluster.SealInheritableSockets();
            _cluster.BrokerDown(brokerId);
            _stopped.Add(brokerId);
            var moves = _cluster.MoveLeadersOff(brokerId);
            _cluster.MoveCoordinatorsOff(brokerId);
            logger.LogWarning("Broker {BrokerId} stopped; {Moved} partition leaders and its coordinators moved to brokers {Live}",
                brokerId, moves.Moved, string.Join(",", LiveBrokers()));
            if (moves.Offline > 0)
            {
                // Replication factor below the broker count: these partitions had their only running replica there.
                logger.LogWarning("Broker {BrokerId} stopped; {Offline} partitions have no other running replica and are unavailable until it starts again",
                    brokerId, moves.Offline);
            }
        }
    }

    /// <summary>Starts a stopped broker and spreads leaders and coordinators over all running brokers again.</summary>
    public void StartBroker(int brokerId)
    {
        lock (_gate)
        {
            CheckBrokerId(brokerId);
            if (!_stopped.Remove(brokerId))
            {
                return;
            }

            _cluster.BrokerUp(brokerId);
            _cluster.SpreadLeaders();
            SpreadCoordinators();
            logger.LogInformation("Broker {BrokerId} started; leaders and coordinators spread over brokers {Live}", brokerId, string.Join(",", LiveBrokers()));
        }
    }

    /// <summary>Deletes a partition's records before the offset (<see cref="ConsumedRecordsTrimmer"/>).</summary>
    public void DeleteRecords(TopicPartitionOffset before) =>
        _cluster.DeleteRecords(before.Topic, before.Partition.Value, before.Offset.Value);

    public void Dispose()
    {
        _socketSealer?.Dispose();
        _cluster.Dispose();
    }

    private void SpreadCoordinators()
    {
        var live = LiveBrokers();
        var keys = settings.ConsumerGroups.Select(group => (Type: GroupKey, Key: group))
            .Concat(settings.TransactionalIds.Select(id => (Type: TransactionKey, Key: id)));
        var i = 0;
        foreach (var (type, key) in keys)
        {
            _cluster.SetCoordinator(type, key, live[i++ % live.Length]);
        }
    }

    private int[] LiveBrokers() => Enumerable.Range(1, settings.Brokers).Where(id => !_stopped.Contains(id)).ToArray();

    private void CheckBrokerId(int brokerId)
    {
        if (brokerId < 1 || brokerId > settings.Brokers)
        {
            throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, $"The cluster has brokers 1 to {settings.Brokers}.");
        }
    }

    // librdkafka logs with syslog levels: 0-3 errors, 4 warnings, 5-6 information, 7 debug.
    private static void Log(ILogger logger, int level, string facility, string message) =>
        logger.Log(level switch { <= 3 => LogLevel.Error, 4 => LogLevel.Warning, <= 6 => LogLevel.Information, _ => LogLevel.Debug },
            "librdkafka {Facility}: {Message}", facility, message);
}

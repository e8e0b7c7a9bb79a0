// In-process librdkafka mock Kafka cluster, reachable by other processes over 127.0.0.1 TCP.
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using static HpcAspire.AppHost.Infrastructure.Kafka.Embedded.LibrdkafkaMockNative;

namespace HpcAspire.AppHost.Infrastructure.Kafka.Embedded;

public sealed class MockKafkaClusterException(string op, int err)
    : Exception($"{op} failed: {ErrName(err)} ({err})");

/// <summary>What a broker stop did to its leaderships: partitions moved to another replica, and partitions left
/// without a running replica (unavailable until the broker returns).</summary>
public readonly record struct LeaderMoves(int Moved, int Offline);

/// <summary>
/// Hosts librdkafka's mock cluster. All methods are thread-safe: every mock command is posted to the
/// mock's own thread ("rdk:mock") and waited for, so a call returns once the change is in effect.
/// The mock has no getters, so topic leaders and coordinators set through this class are tracked here.
/// </summary>
public sealed unsafe class MockKafkaCluster : IDisposable
{
    private static readonly ConcurrentDictionary<nint, Action<int, string, string>> LogSinks = new();

    private readonly Lock _gate = new();
    private readonly Action<int, string, string>? _log;
    private readonly IReadOnlyDictionary<string, string> _config;
    private readonly Dictionary<string, int[]> _leaders = new();          // topic -> leader per partition
    private readonly Dictionary<string, int[][]> _replicas = new();       // topic -> replica brokers per partition
    private readonly Dictionary<(string Type, string Key), int> _coordinators = new();
    private readonly HashSet<int> _down = new();
    private nint _rk, _mcluster;

    /// <param name="log">Receives (syslog level, facility, message) from librdkafka's threads; null = stderr.</param>
    /// <param name="config">Extra librdkafka properties for the hosting handle, e.g. ["debug"]="mock" or
    /// ["log_level"]="3" (default "4": warnings+errors when logging to stderr).</param>
    public MockKafkaCluster(Action<int, string, string>? log = null, IReadOnlyDictionary<string, string>? config = null)
    {
        this._log = log;
        this._config = config ?? new Dictionary<string, string>();
    }

    public string Bootstraps { get; private set; } = "";
    public int BrokerCount { get; private set; }
    public IReadOnlyDictionary<int, int> BrokerPorts { get; private set; } = new Dictionary<int, int>();

    /// <summary>Creates brokers 1..<paramref name="brokerCount"/> on 127.0.0.1 with kernel-chosen ports;
    /// returns the bootstrap.servers string.</summary>
    public string Start(int brokerCount, int groupInitialRebalanceDelayMs = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_mcluster != 0) throw new InvalidOperationException("Already started.");

            var conf = rd_kafka_conf_new();
            var settings = new Dictionary<string, string> { ["log_level"] = "4" };
            foreach (var (k, v) in _config) settings[k] = v;
            foreach (var (k, v) in settings) SetConf(conf, k, v);
            if (_log is not null) rd_kafka_conf_set_log_cb(conf, &OnLog);

            var err = stackalloc byte[512];
            _rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, 512);   // no bootstrap.servers needed
            if (_rk == 0)
            {
                rd_kafka_conf_destroy(conf);
                throw new InvalidOperationException("rd_kafka_new failed: " + Utf8(err));
            }
            if (_log is not null) LogSinks[_rk] = _log;

            _mcluster = rd_kafka_mock_cluster_new(_rk, brokerCount);
            if (_mcluster == 0)
            {
                DestroyHandle();
                throw new InvalidOperationException("rd_kafka_mock_cluster_new failed (see librdkafka log).");
            }
            BrokerCount = brokerCount;
            Bootstraps = Utf8(rd_kafka_mock_cluster_bootstraps(_mcluster))!;
            BrokerPorts = Bootstraps.Split(',')
                .Select((hp, i) => (Id: i + 1, Port: int.Parse(hp[(hp.LastIndexOf(':') + 1)..])))
                .ToDictionary(x => x.Id, x => x.Port);
            rd_kafka_mock_group_initial_rebalance_delay_ms(_mcluster, groupInitialRebalanceDelayMs);
            return Bootstraps;
        }
    }

    /// <summary>Creates a topic and pins each partition's leader to one of its replicas, spreading leaderships evenly
    /// (partition p to the p-th live broker where that is a replica and not busier than the others), so leaders are
    /// known (the mock itself picks a random replica). Throws on TOPIC_ALREADY_EXISTS.</summary>
    public void CreateTopic(string name, int partitions, int replicationFactor)
    {
        lock (_gate)
        {
            Check("rd_kafka_mock_topic_create", Call(name, n => rd_kafka_mock_topic_create(Cluster, n, partitions, replicationFactor)));
            _leaders[name] = new int[partitions];
            _replicas[name] = Enumerable.Range(0, partitions).Select(p => MockReplicaAssignment(p, replicationFactor, BrokerCount)).ToArray();
            var live = LiveBrokers();
            var load = new Dictionary<int, int>();
            for (var p = 0; p < partitions; p++) SetLeaderLocked(name, p, BalancedLeader(name, p, live, load) ?? live[p % live.Length], load);
        }
    }

    /// <summary>The brokers holding a partition's replicas, as the mock assigns them (and reports in Metadata):
    /// <c>min(rf, brokers)</c> consecutive broker ids starting at index <c>(partition * rf) % brokers</c>
    /// (rd_kafka_mock_partition_assign_replicas). The mock keeps one log per partition whatever this says.</summary>
    public static int[] MockReplicaAssignment(int partition, int replicationFactor, int brokerCount)
    {
        var count = Math.Min(replicationFactor, brokerCount);
        var first = partition * replicationFactor % brokerCount;
        return Enumerable.Range(0, count).Select(i => (first + i) % brokerCount + 1).ToArray();
    }

    /// <summary>Replica brokers per partition of a topic created through this instance.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Replicas(string topic)
    {
        lock (_gate) return _replicas.TryGetValue(topic, out var r) ? r : [];
    }

    /// <summary>Tracked leaders of a topic created or modified through this instance (-1 = leader-less).</summary>
    public IReadOnlyList<int> Leaders(string topic)
    {
        lock (_gate) return _leaders.TryGetValue(topic, out var l) ? l.ToArray() : [];
    }

    /// <summary>Deletes a partition's records before <paramref name="beforeOffset"/>, as Kafka's DeleteRecords does: the log
    /// start moves there and the message sets wholly before it are freed.</summary>
    public void DeleteRecords(string topic, int partition, long beforeOffset)
    {
        lock (_gate)
        {
            Check("rd_kafka_mock_partition_delete_records",
                Call(topic, t => rd_kafka_mock_partition_delete_records(Cluster, t, partition, beforeOffset)));
        }
    }

    /// <summary>Disconnects all clients of the broker and refuses new connections (same port kept).
    /// Leaders and coordinators are NOT moved: producers/consumers of its partitions stall until
    /// <see cref="MoveLeadersOff"/>/<see cref="SetCoordinator"/> or <see cref="BrokerUp"/>.</summary>
    public void BrokerDown(int brokerId)
    {
        lock (_gate) { Check("rd_kafka_mock_broker_set_down", rd_kafka_mock_broker_set_down(Cluster, brokerId)); _down.Add(brokerId); }
    }

    public void BrokerUp(int brokerId)
    {
        lock (_gate) { Check("rd_kafka_mock_broker_set_up", rd_kafka_mock_broker_set_up(Cluster, brokerId)); _down.Remove(brokerId); }
    }

    /// <summary>
    /// Moves every tracked partition led by <paramref name="brokerId"/> to another live broker that holds one of
    /// its replicas, as Kafka elects a new leader from the in-sync replicas. A partition with no other live
    /// replica (replication factor 1, or all its replicas down) keeps its leader on the stopped broker and is
    /// unavailable until that broker returns, as in Kafka without unclean leader election. (The mock itself
    /// would accept any broker as leader and serve the partition's single log from it, hiding the outage;
    /// and a leader of -1 is not used because the mock dereferences the leader when it answers
    /// NOT_LEADER to a client with stale metadata.)
    /// </summary>
    public LeaderMoves MoveLeadersOff(int brokerId)
    {
        lock (_gate)
        {
            var live = LiveBrokers().Where(b => b != brokerId).ToArray();
            if (live.Length == 0) throw new InvalidOperationException("No live broker to move leaders to.");
            var (moved, offline) = (0, 0);
            foreach (var (topic, l) in _leaders.ToArray())
            {
                var load = l.Where(b => b != brokerId).GroupBy(b => b).ToDictionary(g => g.Key, g => g.Count());
                for (var p = 0; p < l.Length; p++)
                {
                    if (l[p] != brokerId) continue;
                    if (BalancedLeader(topic, p, live, load) is not { } leader) { offline++; continue; }
                    SetLeaderLocked(topic, p, leader, load);
                    moved++;
                }
            }
            return new LeaderMoves(moved, offline);
        }
    }

    /// <summary>Re-spreads all tracked partitions over the live brokers as <see cref="CreateTopic"/> does; a partition
    /// with no live replica stays where it is.</summary>
    public void SpreadLeaders()
    {
        lock (_gate)
        {
            var live = LiveBrokers();
            foreach (var (topic, l) in _leaders.ToArray())
            {
                var load = new Dictionary<int, int>();
                for (var p = 0; p < l.Length; p++)
                {
                    var leader = BalancedLeader(topic, p, live, load) ?? l[p];
                    if (l[p] != leader) SetLeaderLocked(topic, p, leader, load);
                    else load[leader] = load.GetValueOrDefault(leader) + 1;
                }
            }
        }
    }

    /// <summary>Pins the coordinator of a consumer group ("group") or transactional id ("transaction").</summary>
    public void SetCoordinator(string keyType, string key, int brokerId)
    {
        if (keyType is not ("group" or "transaction")) throw new ArgumentException("keyType must be \"group\" or \"transaction\".", nameof(keyType));
        lock (_gate)
        {
            Check("rd_kafka_mock_coordinator_set", Call(keyType, t => Call(key, k => rd_kafka_mock_coordinator_set(Cluster, t, k, brokerId))));
            _coordinators[(keyType, key)] = brokerId;
        }
    }

    /// <summary>Moves every coordinator pinned to <paramref name="brokerId"/> (by this instance) to live brokers.</summary>
    public void MoveCoordinatorsOff(int brokerId)
    {
        lock (_gate)
        {
            var live = LiveBrokers().Where(b => b != brokerId).ToArray();
            var i = 0;
            foreach (var ((type, key), b) in _coordinators.ToArray())
                if (b == brokerId) SetCoordinator(type, key, live[i++ % live.Length]);
        }
    }

    /// <summary>Changes the host:port a broker ADVERTISES in Metadata (e.g. a fixed-port TCP forwarder in front
    /// of it). The listener itself keeps its kernel-chosen port.</summary>
    public void SetAdvertisedListener(int brokerId, string host, int port)
    {
        lock (_gate) Call(host, h => { rd_kafka_mock_broker_set_host_port(Cluster, brokerId, h, port); return 0; });
    }

    /// <summary>
    /// The mock accept()s client connections WITHOUT close-on-exec (its listeners do have it). Every process
    /// spawned afterwards (Process.Start, Aspire/DCP launches from this process) inherits those sockets, so
    /// BrokerDown/Dispose no longer disconnect the clients (no FIN until the child exits). Call this right
    /// before spawning processes (or periodically); returns the number of socket fds it marked.
    /// </summary>
    public static int SealInheritableSockets()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        var sealedCount = 0;
        foreach (var path in Directory.EnumerateFiles("/proc/self/fd"))
        {
            if (!int.TryParse(Path.GetFileName(path), out var fd)) continue;
            string? target;
            try { target = new FileInfo(path).LinkTarget; } catch (IOException) { continue; }
            if (target is null || !target.StartsWith("socket:", StringComparison.Ordinal)) continue;
            var flags = fcntl(fd, F_GETFD, 0);
            if (flags >= 0 && (flags & FD_CLOEXEC) == 0 && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0) sealedCount++;
        }
        return sealedCount;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            if (_mcluster != 0) { rd_kafka_mock_cluster_destroy(_mcluster); _mcluster = 0; }   // cluster first...
            DestroyHandle();                                                                   // ...then its rk
        }
    }

    private bool _disposed;

    private nint Cluster
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _mcluster != 0 ? _mcluster : throw new InvalidOperationException("Call Start first.");
        }
    }

    private int[] LiveBrokers()
    {
        var live = Enumerable.Range(1, BrokerCount).Where(b => !_down.Contains(b)).ToArray();
        return live.Length > 0 ? live : throw new InvalidOperationException("All brokers are down.");
    }

    /// <summary>The live replica with the fewest leaderships of the topic so far (<paramref name="load"/>), the p-th
    /// live broker first among equals, else the lowest id; null when no replica is live.</summary>
    private int? BalancedLeader(string topic, int partition, int[] live, Dictionary<int, int> load)
    {
        var candidates = LiveReplicas(topic, partition, live);
        if (candidates.Length == 0) return null;
        var roundRobin = live[partition % live.Length];
        return candidates.OrderBy(b => load.GetValueOrDefault(b)).ThenBy(b => b == roundRobin ? 0 : 1).ThenBy(b => b).First();
    }

    // Topics this class did not create (auto-created by set_leader) have unknown replicas: any live broker will do.
    private int[] LiveReplicas(string topic, int partition, int[] live) =>
        _replicas.TryGetValue(topic, out var r) && partition < r.Length ? r[partition].Where(live.Contains).ToArray() : live;

    private void SetLeaderLocked(string topic, int partition, int brokerId, Dictionary<int, int> load)
    {
        SetLeaderLocked(topic, partition, brokerId);
        load[brokerId] = load.GetValueOrDefault(brokerId) + 1;
    }

    private void SetLeaderLocked(string topic, int partition, int brokerId)
    {
        Check("rd_kafka_mock_partition_set_leader", Call(topic, t => rd_kafka_mock_partition_set_leader(Cluster, t, partition, brokerId)));
        if (_leaders.TryGetValue(topic, out var l) && partition < l.Length) l[partition] = brokerId;
        // (set_leader on an unknown topic auto-creates it; its other leaders stay unknown to this class)
    }

    private void DestroyHandle()
    {
        if (_rk == 0) return;
        rd_kafka_destroy(_rk);
        LogSinks.TryRemove(_rk, out _);
        _rk = 0;
    }

    private static void SetConf(nint conf, string name, string value)
    {
        var err = stackalloc byte[512];
        if (Call(name, n => Call(value, v => rd_kafka_conf_set(conf, n, v, err, 512))) != RD_KAFKA_CONF_OK)
        {
            rd_kafka_conf_destroy(conf);
            throw new ArgumentException($"librdkafka property {name}={value}: {Utf8(err)}");
        }
    }

    private static void Check(string op, int err)
    {
        if (err != 0) throw new MockKafkaClusterException(op, err);
    }

    private delegate int Utf8Call(byte* s);

    private static int Call(string s, Utf8Call f)
    {
        var bytes = Encoding.UTF8.GetBytes(s + "\0");
        fixed (byte* p = bytes) return f(p);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLog(nint handle, int level, byte* fac, byte* buf)
    {
        try
        {
            if (LogSinks.TryGetValue(handle, out var sink)) sink(level, Utf8(fac) ?? "", Utf8(buf) ?? "");
        }
        catch
        {
            // Never let an exception cross into native code.
        }
    }
}

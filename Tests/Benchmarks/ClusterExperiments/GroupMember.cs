using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// One consumer-group member on its own thread (Consume blocks): records every message's id in the ledger, counts
/// what it received, and keeps the time of each assignment it got, so a rebalance's end can be seen from outside.
/// </summary>
internal sealed class GroupMember : IDisposable
{
    // 6 s is the smallest session timeout brokers accept by default (group.min.session.timeout.ms), so the same
    // settings run on real brokers; the mock waits session.timeout.ms − 1 s for members to rejoin a rebalance.
    public const int SessionTimeoutMs = 6_000;

    private readonly ConsumerConfig _config;
    private readonly string _topic;
    private readonly DeliveryLedger _ledger;
    private readonly DateTime _deadline;
    private readonly ConcurrentQueue<long> _assignedAt = new();
    private readonly Thread _thread;
    private volatile bool _leave;
    private volatile bool _held;
    private volatile bool _paused;
    private long _received;
    private int _partitions;

    public GroupMember(string bootstrapServers, string group, string topic, DeliveryLedger ledger, DateTime deadline)
    {
        _config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // The embedded brokers answer an empty fetch only after fetch.wait.max.ms (see EmbeddedKafkaTuning).
            FetchWaitMaxMs = 10,
            SessionTimeoutMs = SessionTimeoutMs,
            HeartbeatIntervalMs = 1_000,
        };
        _topic = topic;
        _ledger = ledger;
        _deadline = deadline;
        _thread = new Thread(Run) { IsBackground = true, Name = $"member {group}" };
    }

    /// <summary>Messages of its ledger it received (warm-up and earlier phases' messages not counted).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Partitions assigned to it now.</summary>
    public int Partitions => Volatile.Read(ref _partitions);

    public long StartedAt { get; private set; }

    /// <summary>It has been given an assignment (possibly empty) at or after the Stopwatch timestamp.</summary>
    public bool AssignedSince(long timestamp) => _assignedAt.Any(at => at >= timestamp);

    public void Start()
    {
        StartedAt = Stopwatch.GetTimestamp();
        _thread.Start();
    }

    /// <summary>
    /// While held its partitions are paused (no fetching; the client goes on heartbeating): a group is formed on an
    /// empty topic, held while the backlog is written, then released so that every member reads its share from the
    /// brokers; otherwise the first member to join would read it all before the others are assigned.
    /// </summary>
    public bool Held
    {
        get => _held;
        set => _held = value;
    }

    /// <summary>Its partitions are paused now (<see cref="Held"/> takes effect at its next turn of the loop).</summary>
    public bool IsPaused => _paused;

    /// <summary>Asks it to leave the group (Close: LeaveGroup) without waiting for it.</summary>
    public void BeginLeave() => _leave = true;

    /// <summary>Leaves the group and waits for its thread, at most <paramref name="timeout"/>.</summary>
    public bool Leave(TimeSpan timeout)
    {
        _leave = true;
        return !_thread.IsAlive || _thread.Join(timeout);
    }

    public void Dispose() => Leave(TimeSpan.FromSeconds(10));

    private void Run()
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(_config)
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => { })
            .SetPartitionsAssignedHandler((_, assigned) =>
            {
                Volatile.Write(ref _partitions, assigned.Count);
                _assignedAt.Enqueue(Stopwatch.GetTimestamp());
            })
            .SetPartitionsRevokedHandler((_, _) => Volatile.Write(ref _partitions, 0))
            .SetPartitionsLostHandler((_, _) => Volatile.Write(ref _partitions, 0))
            .Build();
        consumer.Subscribe(_topic);
        while (!_leave && DateTime.UtcNow < _deadline)
        {
            var held = _held;
            if (held != _paused)
            {
                // Paused, its client stops fetching too: released, every member reads its share from the brokers.
                if (held)
                {
                    consumer.Pause(consumer.Assignment);
                }
                else
                {
                    consumer.Resume(consumer.Assignment);
                }

                _paused = held;
            }

            if (held)
            {
                Thread.Sleep(10);
                continue;
            }

            try
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                {
                    if (_ledger.RecordConsumed(ExperimentMessage.ReadId(result.Message.Value), result.Offset.Value))
                    {
                        Interlocked.Increment(ref _received);
                    }
                }
            }
            catch (ConsumeException)
            {
                // A per-message error (e.g. a partition's offset out of range) is not the member's end; the ids tell the loss.
            }
        }

        consumer.Close();
    }
}

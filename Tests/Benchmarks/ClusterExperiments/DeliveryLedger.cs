using System.Collections.Concurrent;
using System.Diagnostics;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// Per message id: when it was sent, when (and to which partition) the cluster acknowledged it, and how often and
/// when a consumer received it. Loss and duplicates come from these ids, never from counts: a run that loses some
/// messages and duplicates as many others still shows both.
/// </summary>
internal sealed class DeliveryLedger
{
    private readonly long[] _sentAt;
    private readonly long[] _ackedAt;
    private readonly int[] _ackedPartition;
    private readonly long[] _firstConsumedAt;
    private readonly int[] _consumedCount;
    private readonly long[] _firstConsumedOffset;
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private int _acknowledged;
    private int _consumedDistinct;
    private int _failed;
    private int _foreign;
    private int _redelivered;
    private int _writtenTwice;

    /// <param name="capacity">How many ids it holds.</param>
    /// <param name="firstId">Its first id: a cell's phases on one topic use disjoint ranges, so a consumer that reads
    /// an earlier phase's messages counts them as foreign, not as this phase's.</param>
    public DeliveryLedger(int capacity, int firstId = 0)
    {
        Capacity = capacity;
        FirstId = firstId;
        _sentAt = new long[capacity];
        _ackedAt = new long[capacity];
        _ackedPartition = new int[capacity];
        _firstConsumedAt = new long[capacity];
        _consumedCount = new int[capacity];
        _firstConsumedOffset = new long[capacity];
    }

    public int Capacity { get; }

    public int FirstId { get; }

    /// <summary>Ids handed to a producer (a send retried while the client's queue was full counts once).</summary>
    public int Sent => CountWhere(id => _sentAt[id] != 0);

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Messages received that carry no id of this ledger (another run's, or a corrupted one).</summary>
    public int Foreign => Volatile.Read(ref _foreign);

    /// <summary>Delivery errors by reason, for the table.</summary>
    public IReadOnlyDictionary<string, int> Errors => _errors;

    public void RecordSent(int id) => _sentAt[id - FirstId] = Stopwatch.GetTimestamp();

    public void RecordAcknowledged(int id, int partition)
    {
        id -= FirstId;
        _ackedPartition[id] = partition;
        Volatile.Write(ref _ackedAt[id], Stopwatch.GetTimestamp());
        Interlocked.Increment(ref _acknowledged);
    }

    public void RecordFailed(string reason)
    {
        Interlocked.Increment(ref _failed);
        _errors.AddOrUpdate(reason, 1, (_, n) => n + 1);
    }

    /// <summary>A receipt of a message at its partition offset; a second receipt at the same offset is the consumer
    /// reading it again, one at another offset is a second copy the producer wrote.</summary>
    /// <returns>Whether the message is one of this ledger's.</returns>
    public bool RecordConsumed(int id, long offset)
    {
        id -= FirstId;
        if (id < 0 || id >= Capacity)
        {
            Interlocked.Increment(ref _foreign);
            return false;
        }

        if (Interlocked.Increment(ref _consumedCount[id]) == 1)
        {
            _firstConsumedOffset[id] = offset;
            Volatile.Write(ref _firstConsumedAt[id], Stopwatch.GetTimestamp());
            Interlocked.Increment(ref _consumedDistinct);
        }
        else if (FirstReceiptOffset(id) == offset)
        {
            Interlocked.Increment(ref _redelivered);
        }
        else
        {
            Interlocked.Increment(ref _writtenTwice);
        }

        return true;
    }

    // Another member's first receipt may still be writing its offset (Volatile.Write of its time comes last).
    private long FirstReceiptOffset(int id)
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref _firstConsumedAt[id]) == 0)
        {
            spin.SpinOnce();
        }

        return _firstConsumedOffset[id];
    }

    /// <summary>Receipts of an offset already received: the consumer re-reading after a rebalance or a coordinator
    /// change, from the last committed offset (at-least-once delivery, not a fault of the log).</summary>
    public int Redelivered => Volatile.Read(ref _redelivered);

    /// <summary>Receipts of an id at a second offset: the producer wrote the message twice (a retry without idempotence).</summary>
    public int WrittenTwice => Volatile.Read(ref _writtenTwice);

    public int Acknowledged => Volatile.Read(ref _acknowledged);

    /// <summary>Distinct ids received at least once.</summary>
    public int ConsumedDistinct => Volatile.Read(ref _consumedDistinct);

    /// <summary>Acknowledged ids no consumer received: what the cluster said it had and did not deliver.</summary>
    public int Lost => CountWhere(id => _ackedAt[id] != 0 && _consumedCount[id] == 0);

    /// <summary>Lost ids (acknowledged, never received) sent in [from, to) (Stopwatch timestamps): when the loss happened.</summary>
    public int LostSentBetween(long from, long to) =>
        CountWhere(id => _ackedAt[id] != 0 && _consumedCount[id] == 0 && _sentAt[id] >= from && _sentAt[id] < to);

    /// <summary>Every acknowledged id has been received (the drain loops' stop condition; the counts are checked first
    /// because they are cheap, the ids then decide).</summary>
    public bool AllAcknowledgedConsumed() => ConsumedDistinct >= Acknowledged && Lost == 0;

    /// <summary>Send to acknowledgement, in milliseconds, of the acknowledged ids.</summary>
    public LatencyDistribution AckLatencies()
    {
        var latencies = new List<double>();
        for (var id = 0; id < Capacity; id++)
        {
            if (_ackedAt[id] != 0 && _sentAt[id] != 0)
            {
                latencies.Add(Stopwatch.GetElapsedTime(_sentAt[id], _ackedAt[id]).TotalMilliseconds);
            }
        }

        return new LatencyDistribution(latencies);
    }

    /// <summary>Seconds from the first send to the last acknowledgement: the produce phase's length.</summary>
    public double SendToLastAckSeconds()
    {
        var (first, last) = (long.MaxValue, 0L);
        for (var id = 0; id < Capacity; id++)
        {
            if (_sentAt[id] != 0)
            {
                first = Math.Min(first, _sentAt[id]);
            }

            last = Math.Max(last, _ackedAt[id]);
        }

        return last == 0 || first == long.MaxValue ? double.NaN : Stopwatch.GetElapsedTime(first, last).TotalSeconds;
    }

    /// <summary>Seconds from the first to the last first-receipt: the consume phase after its first message.</summary>
    public double FirstToLastConsumedSeconds()
    {
        var (first, last) = (long.MaxValue, 0L);
        for (var id = 0; id < Capacity; id++)
        {
            if (_firstConsumedAt[id] != 0)
            {
                first = Math.Min(first, _firstConsumedAt[id]);
                last = Math.Max(last, _firstConsumedAt[id]);
            }
        }

        return last == 0 ? double.NaN : Stopwatch.GetElapsedTime(first, last).TotalSeconds;
    }

    /// <summary>Timestamp (Stopwatch ticks) of the first receipt of any id; 0 when none was received.</summary>
    public long FirstConsumedAt()
    {
        var first = long.MaxValue;
        for (var id = 0; id < Capacity; id++)
        {
            if (_firstConsumedAt[id] != 0)
            {
                first = Math.Min(first, _firstConsumedAt[id]);
            }
        }

        return first == long.MaxValue ? 0 : first;
    }

    /// <summary>
    /// For each of <paramref name="partitions"/>, among the messages sent after <paramref name="since"/>: seconds from
    /// it until the first was acknowledged, and until a consumer first received one (a message in flight at
    /// <paramref name="since"/> does not count). NaN for a partition that did not resume.
    /// </summary>
    public IReadOnlyDictionary<int, (double Produce, double Consume)> ResumeAfter(long since, IReadOnlyCollection<int> partitions)
    {
        var produce = partitions.ToDictionary(p => p, _ => long.MaxValue);
        var consume = partitions.ToDictionary(p => p, _ => long.MaxValue);
        for (var id = 0; id < Capacity; id++)
        {
            var acked = _ackedAt[id];
            if (_sentAt[id] <= since || acked == 0 || !produce.ContainsKey(_ackedPartition[id]))
            {
                continue;
            }

            var partition = _ackedPartition[id];
            produce[partition] = Math.Min(produce[partition], acked);
            if (_firstConsumedAt[id] > since)
            {
                consume[partition] = Math.Min(consume[partition], _firstConsumedAt[id]);
            }
        }

        return partitions.ToDictionary(p => p, p => (Seconds(since, produce[p]), Seconds(since, consume[p])));

        static double Seconds(long from, long to) => to == long.MaxValue ? double.NaN : Stopwatch.GetElapsedTime(from, to).TotalSeconds;
    }

    private int CountWhere(Func<int, bool> predicate)
    {
        var count = 0;
        for (var id = 0; id < Capacity; id++)
        {
            if (predicate(id))
            {
                count++;
            }
        }

        return count;
    }
}

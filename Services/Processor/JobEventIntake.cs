using Confluent.Kafka;
using HpcAspire.Contracts;
using HpcAspire.Processor.Core;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Framing;
using HpcAspire.Messaging;

namespace HpcAspire.Processor;

/// <summary>
/// Every partition of the job events, assigned (never subscribed) to every instance and applied to
/// the join and to one <see cref="JobTable"/> per partition. A restore can rewind partitions; until
/// the events rewound are applied again, <see cref="CaughtUp"/> holds the join back.
/// </summary>
internal sealed class JobEventIntake : IDisposable
{
    private const int JobEventsPerPoll = 10_000;

    private readonly IConsumer<string?, byte[]> _consumer;
    private readonly string _topic;
    private readonly IReadOnlySet<string> _nodes;
    private readonly ProcessorCore _core;
    private readonly AvroMessageDecoder<JobEvent> _decoder;
    private readonly Func<int, bool> _judges;
    private readonly ProcessorTransaction _transaction;
    private readonly Dictionary<int, JobTable> _tables = [];
    private readonly Dictionary<int, long> _next = [];
    private readonly Dictionary<int, long> _replayUntil = [];

    /// <param name="judges">Whether this instance judges, and so dead-letters, the events of a job-event partition.</param>
    public JobEventIntake(
        IConsumer<string?, byte[]> consumer, string topic, int partitions, IReadOnlySet<string> nodes, ProcessorCore core,
        AvroMessageDecoder<JobEvent> decoder, Func<int, bool> judges, ProcessorTransaction transaction)
    {
        _consumer = consumer;
        _topic = topic;
        _nodes = nodes;
        _core = core;
        _decoder = decoder;
        _judges = judges;
        _transaction = transaction;
        for (var q = 0; q < partitions; q++)
        {
            _next[q] = 0;
            _tables[q] = new JobTable(q);
        }

        Assign();
    }

    public IEnumerable<JobTable> Tables => _tables.Values;

    /// <summary>The next offset of each partition: a snapshot includes the events before it.</summary>
    public IReadOnlyDictionary<int, long> Positions() => new Dictionary<int, long>(_next);

    public void Consume()
    {
        for (var i = 0; i < JobEventsPerPoll; i++)
        {
            var result = _consumer.Consume(TimeSpan.Zero);
            if (result is null)
            {
                return;
            }

            var q = result.Partition.Value;
            var offset = result.Offset.Value;
            _next[q] = offset + 1;
            if (result.Message.Value is null && SchedulerClock.Read(result.Message.Headers) is { } time)
            {
                _core.AddClock(q, time);
                continue;
            }

            // Every instance applies every job event; only the owner of the matching share partition
            // judges them, so each bad one is dead-lettered once, in a transaction that also snapshots its table.
            var table = _tables[q];
            var replay = table.IsReplay(offset);
            var judge = !replay && _judges(q);
            var decoded = _decoder.DecodeAsync(result.Message.Value).GetAwaiter().GetResult();
            if (!decoded.IsDecoded)
            {
                table.Skip(offset);
                if (judge)
                {
                    _transaction.DeadLetter(result, decoded.Failure!.Value, decoded.Error!);
                }

                continue;
            }

            var jobEvent = decoded.Value!;
            string? problem = null;
            if (!replay)
            {
                problem = Judge(table, jobEvent, offset);
            }

            _core.ApplyJobEvent(jobEvent); // refuses by itself what it cannot place; a replayed event changes nothing
            if (problem is not null && judge)
            {
                _transaction.DeadLetter(result, DeadLetterReason.InvalidJobEvent, problem);
            }
        }
    }

    /// <summary>Whether the events rewound by restores are all applied again; once they are, the rewinds are forgotten.</summary>
    public bool CaughtUp()
    {
        if (_replayUntil.Any(until => _next[until.Key] < until.Value))
        {
            return false;
        }

        _replayUntil.Clear();
        return true;
    }

    /// <summary>Takes on the table of a share partition just assigned, in place of the one kept so far.</summary>
    public void Restore(JobTable table) => _tables[table.Partition] = table;

    /// <summary>Reads again from <paramref name="seek"/> each partition that has gone past it.</summary>
    public void Rewind(IReadOnlyDictionary<int, long> seek)
    {
        var rewound = false;
        foreach (var (q, offset) in seek)
        {
            if (offset < _next[q])
            {
                _replayUntil[q] = Math.Max(_replayUntil.TryGetValue(q, out var until) ? until : 0, _next[q]);
                _next[q] = offset;
                rewound = true;
            }
        }

        if (rewound)
        {
            Assign();
        }
    }

    public void Dispose() => _consumer.Dispose();

    private string? Judge(JobTable table, JobEvent jobEvent, long offset)
    {
        switch (jobEvent.State)
        {
            case JobState.Started:
                if (jobEvent.Nodes.FirstOrDefault(node => !_nodes.Contains(node)) is { } unknown)
                {
                    table.Skip(offset);
                    return $"job '{jobEvent.JobId}' runs on node '{unknown}', which is not in the cluster";
                }

                table.Started(jobEvent.JobId, offset);
                return null;
            case JobState.Completed or JobState.Failed or JobState.Cancelled:
                return table.Ended(jobEvent.JobId, offset) ? null : $"{jobEvent.State} event for job '{jobEvent.JobId}', which never started";
            default:
                table.Skip(offset);
                return null;
        }
    }

    private void Assign() =>
        _consumer.Assign(_next.Select(next => new TopicPartitionOffset(_topic, next.Key, new Offset(next.Value))));
}

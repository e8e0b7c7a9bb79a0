using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Confluent.Kafka.SyncOverAsync;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;
using HpcAspire.Messaging.Kafka;

namespace HpcAspire.Processor;

/// <summary>
/// One life of the processor: a transactional producer, the <c>processor</c> group's consumer of
/// readings and energy shares, a group-less consumer of every job-event partition, and the state
/// they feed. Each batch is one transaction: its outputs, its dead letters, the snapshots of the
/// partitions whose state changed and the group's offsets commit together or not at all.
/// </summary>
internal sealed class ProcessingSession : IDisposable
{
    private const int JobEventsPerPoll = 10_000;
    private const int FullSnapshotEveryTransactions = 50;
    private static readonly TimeSpan BrokerTimeout = TimeSpan.FromSeconds(30);

    private readonly ProcessorOptions _options;
    private readonly KafkaTelemetry _telemetry;
    private readonly IReadOnlySet<string> _nodes;
    private readonly ProcessorMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConsumerConfig _consumerConfig;
    private readonly IProducer<string?, byte[]> _producer;
    private readonly IConsumer<string?, byte[]> _jobs;
    private readonly IConsumer<string?, byte[]> _group;
    private readonly DeadLetterPublisher _deadLetters;
    private readonly AvroMessageDecoder<NodeReading> _readingDecoder;
    private readonly AvroMessageDecoder<JobEvent> _jobEventDecoder;
    private readonly AvroMessageDecoder<JobEnergyPart> _partDecoder;
    private readonly ISerializer<EnrichedReading> _enrichedSerializer;
    private readonly ISerializer<JobEnergyPart> _partSerializer;
    private readonly ISerializer<JobEnergy> _energySerializer;
    private readonly int _jobEventPartitions;
    private readonly int _partPartitions;
    private readonly int _statePartitions;

    private readonly NodeTelemetryJoin _join;
    private readonly Dictionary<string, int> _nodePartition = new(StringComparer.Ordinal);
    private readonly HashSet<int> _ownedReadings = [];
    private readonly Dictionary<int, JobEnergyAssembler> _assemblers = [];
    private readonly Dictionary<TopicPartition, long> _nextOffset = [];
    private readonly Dictionary<int, JobTable> _jobTables = [];
    private readonly Dictionary<int, long> _jobNext = [];
    private readonly Dictionary<int, long> _replayUntil = [];
    private readonly HashSet<int> _dirtyReadings = [];
    private bool _inTransaction;
    private bool _failed;
    private bool _paused;
    private long _transactions;
    private Error? _deliveryError;

    public ProcessingSession(ProcessorSettings settings, ISchemaRegistryClient registry, ProcessorMetrics metrics, IMeterFactory meterFactory, KafkaTelemetry telemetry, ILogger logger)
    {
        _telemetry = telemetry;
        _options = settings.Options;
        _nodes = settings.Nodes;
        _metrics = metrics;
        _logger = logger;
        var brokers = settings.Kafka.BootstrapServers!;

        _producer = new ProducerBuilder<string?, byte[]>(new ProducerConfig(settings.Kafka.Producer)
        {
            BootstrapServers = brokers,
            ClientId = $"processor-{_options.InstanceId}-producer",
            TransactionalId = _options.TransactionalId,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            StatisticsIntervalMs = settings.Kafka.StatisticsIntervalMs,
        }).SetLogHandler((_, m) => Log(m)).SetStatisticsHandler((_, json) => _telemetry.Record(json)).Build();
        _producer.InitTransactions(BrokerTimeout); // fences an earlier life of this instance and aborts its open transaction

        _consumerConfig = new ConsumerConfig(settings.Kafka.Consumer)
        {
            BootstrapServers = brokers,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
            StatisticsIntervalMs = settings.Kafka.StatisticsIntervalMs,
        };
        _jobs = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig(_consumerConfig)
        {
            GroupId = $"processor-{_options.InstanceId}-job-events", // never joined nor committed: the job events are assigned, all of them
            ClientId = $"processor-{_options.InstanceId}-job-events",
        }).SetLogHandler((_, m) => Log(m)).SetStatisticsHandler((_, json) => _telemetry.Record(json)).Build();
        _group = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig(_consumerConfig)
        {
            GroupId = ProcessorOptions.GroupId,
            ClientId = $"processor-{_options.InstanceId}",
        }).SetLogHandler((_, m) => Log(m))
            .SetStatisticsHandler((_, json) => _telemetry.Record(json))
            .SetPartitionsAssignedHandler((_, partitions) => Restore(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => Revoke(partitions))
            .SetPartitionsLostHandler((_, _) => throw new SessionRestartException("The group's partitions were lost: this session's transaction can no longer commit."))
            .Build();

        _deadLetters = new DeadLetterPublisher(_producer, "processor", meterFactory, _options.DeadLetterTopic);
        _readingDecoder = new AvroMessageDecoder<NodeReading>(registry);
        _jobEventDecoder = new AvroMessageDecoder<JobEvent>(registry);
        _partDecoder = new AvroMessageDecoder<JobEnergyPart>(registry);
        _enrichedSerializer = new AvroSerializer<EnrichedReading>(registry).AsSyncOverAsync();
        _partSerializer = new AvroSerializer<JobEnergyPart>(registry).AsSyncOverAsync();
        _energySerializer = new AvroSerializer<JobEnergy>(registry).AsSyncOverAsync();

        using (var admin = new DependentAdminClientBuilder(_producer.Handle).Build())
        {
            _jobEventPartitions = PartitionCount(admin, _options.JobEventsTopic);
            _partPartitions = PartitionCount(admin, _options.EnergyPartsTopic);
            _statePartitions = PartitionCount(admin, _options.StateTopic);
        }

        _join = new NodeTelemetryJoin(_jobEventPartitions, _nodes);
        for (var q = 0; q < _jobEventPartitions; q++)
        {
            _jobNext[q] = 0;
            _jobTables[q] = new JobTable(q);
        }

        AssignJobEvents();
    }

    public void Run(CancellationToken stoppingToken)
    {
        _group.Subscribe([_options.ReadingsTopic, _options.EnergyPartsTopic]);
        var clock = Stopwatch.StartNew();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var batchEnd = clock.Elapsed + TimeSpan.FromMilliseconds(_options.BatchMilliseconds);
                var count = 0;
                ConsumeJobEvents();
                while (count < _options.BatchSize && clock.Elapsed < batchEnd && !stoppingToken.IsCancellationRequested)
                {
                    var result = _group.Consume(TimeSpan.FromMilliseconds(20));
                    if (result is null)
                    {
                        ConsumeJobEvents();
                        continue;
                    }

                    Handle(result);
                    if (++count % 500 == 0)
                    {
                        ConsumeJobEvents();
                    }
                }

                ConsumeJobEvents();
                DrainJoin();
                Backpressure();
                if (_inTransaction)
                {
                    Commit(full: false);
                }
            }

            _group.Close(); // commits what is done in the revocation, and leaves the group at once
        }
        catch (Exception ex)
        {
            Fail();
            throw ex is KafkaException or SessionRestartException ? ex : new SessionRestartException("Processing failed", ex);
        }
    }

    public void Dispose()
    {
        _failed = true; // a consumer disposed without Close() revokes its partitions: nothing may commit then
        _group.Dispose();
        _jobs.Dispose();
        _producer.Dispose();
    }

    private void Handle(ConsumeResult<string?, byte[]> result)
    {
        EnsureTransaction();
        _nextOffset[result.TopicPartition] = result.Offset.Value + 1;
        var partition = result.Partition.Value;
        if (result.Topic == _options.ReadingsTopic)
        {
            _dirtyReadings.Add(partition);
            var decoded = _readingDecoder.DecodeAsync(result.Topic, result.Message.Value, result.Message.Headers).GetAwaiter().GetResult();
            if (!decoded.IsDecoded)
            {
                DeadLetter(result, decoded.Failure!.Value.ToString(), decoded.Error!);
            }
            else if (_join.AddReading(decoded.Value!) is { } problem)
            {
                DeadLetter(result, "InvalidReading", problem);
            }
            else
            {
                _nodePartition[decoded.Value!.NodeId] = partition;
            }
        }
        else
        {
            var decoded = _partDecoder.DecodeAsync(result.Topic, result.Message.Value, result.Message.Headers).GetAwaiter().GetResult();
            if (!decoded.IsDecoded)
            {
                DeadLetter(result, decoded.Failure!.Value.ToString(), decoded.Error!);
            }
            else if (_assemblers[partition].Add(decoded.Value!) is { } energy)
            {
                Produce(_options.JobEnergyTopic, null, energy.JobId, _energySerializer.Serialize(energy, Context(_options.JobEnergyTopic)));
                _metrics.JobEnergies.Add(1);
            }
        }
    }

    private void ConsumeJobEvents()
    {
        for (var i = 0; i < JobEventsPerPoll; i++)
        {
            var result = _jobs.Consume(TimeSpan.Zero);
            if (result is null)
            {
                return;
            }

            var q = result.Partition.Value;
            var offset = result.Offset.Value;
            _jobNext[q] = offset + 1;
            if (result.Message.Value is null && SchedulerClock.Read(result.Message.Headers) is { } time)
            {
                _join.AddClock(q, time);
                continue;
            }

            // Every instance applies every job event; only the owner of the matching share partition
            // judges them, so each bad one is dead-lettered once, in a transaction that also snapshots its table.
            var table = _jobTables[q];
            var replay = table.IsReplay(offset);
            var judge = !replay && _assemblers.ContainsKey(q % _partPartitions);
            var decoded = _jobEventDecoder.DecodeAsync(result.Topic, result.Message.Value, result.Message.Headers).GetAwaiter().GetResult();
            if (!decoded.IsDecoded)
            {
                table.Skip(offset);
                if (judge)
                {
                    DeadLetter(result, decoded.Failure!.Value.ToString(), decoded.Error!);
                }

                continue;
            }

            var jobEvent = decoded.Value!;
            string? problem = null;
            if (!replay)
            {
                problem = Judge(table, jobEvent, offset);
            }

            _join.AddJobEvent(jobEvent); // refuses by itself what it cannot place; a replayed event changes nothing
            if (problem is not null && judge)
            {
                DeadLetter(result, "InvalidJobEvent", problem);
            }
        }
    }

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

    private void DrainJoin()
    {
        if (_replayUntil.Any(until => _jobNext[until.Key] < until.Value))
        {
            return; // job events replayed after a restore are not all applied again yet
        }

        _replayUntil.Clear();
        var output = _join.Drain();
        if (output.Readings.Count == 0 && output.EnergyParts.Count == 0)
        {
            return;
        }

        EnsureTransaction();
        foreach (var enriched in output.Readings)
        {
            var node = enriched.Reading.NodeId;
            _dirtyReadings.Add(_nodePartition[node]);
            Produce(_options.EnrichedReadingsTopic, null, node, _enrichedSerializer.Serialize(enriched, Context(_options.EnrichedReadingsTopic)));
        }

        foreach (var part in output.EnergyParts)
        {
            Produce(_options.EnergyPartsTopic, null, part.JobId, _partSerializer.Serialize(part, Context(_options.EnergyPartsTopic)));
        }

        _metrics.Enriched.Add(output.Readings.Count);
    }

    private void Backpressure()
    {
        var pause = _join.WaitingReadings > _options.MaxWaitingReadings;
        if (pause == _paused)
        {
            return;
        }

        var readings = _group.Assignment.Where(tp => tp.Topic == _options.ReadingsTopic).ToList();
        if (pause)
        {
            _group.Pause(readings);
        }
        else
        {
            _group.Resume(readings);
        }

        _paused = pause;
    }

    private void EnsureTransaction()
    {
        if (!_inTransaction)
        {
            _producer.BeginTransaction();
            _inTransaction = true;
            _deliveryError = null;
        }
    }

    private void Commit(bool full)
    {
        full |= ++_transactions % FullSnapshotEveryTransactions == 0;

        // Outputs before the snapshots that say they are done: on a broker that shows aborted
        // transactions (librdkafka's mock), a snapshot is never visible without its outputs.
        _producer.Flush(BrokerTimeout);
        var jobEventOffsets = new Dictionary<int, long>(_jobNext);
        var clocks = new Dictionary<int, DateTime>(_join.Clocks);
        foreach (var partition in _ownedReadings.Where(p => full || _dirtyReadings.Contains(p)))
        {
            var nodes = _nodePartition.Where(n => n.Value == partition).Select(n => _join.ExportNode(n.Key)).ToList();
            WriteSnapshot(new PartitionSnapshot(_options.ReadingsTopic, partition, NextOffset(_options.ReadingsTopic, partition),
                jobEventOffsets, clocks, nodes, null, null));
        }

        foreach (var (partition, assembler) in _assemblers)
        {
            var tables = _jobTables.Values.Where(t => t.Partition % _partPartitions == partition).Select(t => t.Export()).ToList();
            WriteSnapshot(new PartitionSnapshot(_options.EnergyPartsTopic, partition, NextOffset(_options.EnergyPartsTopic, partition),
                jobEventOffsets, clocks, null, assembler.PendingParts, tables));
        }

        var offsets = _nextOffset.Where(o => o.Value >= 0).Select(o => new TopicPartitionOffset(o.Key, o.Value)).ToList();
        if (offsets.Count > 0)
        {
            Retrying(() => _producer.SendOffsetsToTransaction(offsets, _group.ConsumerGroupMetadata, BrokerTimeout));
        }

        Retrying(() => _producer.CommitTransaction(BrokerTimeout));
        _inTransaction = false;
        _dirtyReadings.Clear();
        _metrics.Transactions.Add(1);
    }

    // The shape of Confluent's transactional examples: retriable errors are retried, an abortable one
    // aborts (and this session restarts from the snapshots), a fatal one ends the producer's life.
    private void Retrying(Action operation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                operation();
                if (_deliveryError is { } error)
                {
                    throw new SessionRestartException($"A message of the transaction was not delivered: {error.Reason}");
                }

                return;
            }
            catch (KafkaRetriableException ex) when (attempt < 5)
            {
                _logger.LogWarning(ex, "Retrying a transaction step ({Attempt})", attempt);
            }
            catch (KafkaTxnRequiresAbortException ex)
            {
                throw new SessionRestartException("The transaction must be aborted", ex);
            }
        }
    }

    private void Fail()
    {
        _failed = true;
        if (_inTransaction)
        {
            try
            {
                _producer.AbortTransaction(BrokerTimeout);
            }
            catch (KafkaException ex)
            {
                _logger.LogWarning(ex, "Abort failed; the next session's InitTransactions aborts the transaction");
            }

            _inTransaction = false;
        }
    }

    private long NextOffset(string topic, int partition) =>
        _nextOffset.TryGetValue(new TopicPartition(topic, partition), out var offset) ? offset : -1;

    private void WriteSnapshot(PartitionSnapshot snapshot) =>
        Produce(_options.StateTopic, snapshot.Partition % _statePartitions, snapshot.Key, SnapshotJson.Serialize(snapshot));

    private void DeadLetter(ConsumeResult<string?, byte[]> source, string reason, string error)
    {
        EnsureTransaction();
        _logger.LogWarning("Dead-lettering {Topic}/{Partition}@{Offset}: {Reason}: {Error}", source.Topic, source.Partition.Value, source.Offset.Value, reason, error);
        _deadLetters.Publish(source, reason, error);
    }

    private void Produce(string topic, int? partition, string key, byte[] value)
    {
        var message = new Message<string?, byte[]> { Key = key, Value = value };
        while (true)
        {
            try
            {
                if (partition is { } p)
                {
                    _producer.Produce(new TopicPartition(topic, p), message, OnDelivered);
                }
                else
                {
                    _producer.Produce(topic, message, OnDelivered);
                }

                return;
            }
            catch (ProduceException<string?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    private void OnDelivered(DeliveryReport<string?, byte[]> report)
    {
        if (report.Error.IsError)
        {
            _deliveryError = report.Error;
        }
    }

    /// <summary>Takes on newly assigned partitions: the state of each from its snapshot matching the committed offset.</summary>
    private IEnumerable<TopicPartitionOffset> Restore(List<TopicPartition> partitions)
    {
        var committed = _group.Committed(partitions, BrokerTimeout).ToDictionary(c => c.TopicPartition, c => c.Offset.Value);
        var keys = partitions.Select(tp => PartitionSnapshot.KeyOf(tp.Topic, tp.Partition.Value)).ToHashSet(StringComparer.Ordinal);
        var found = SnapshotReader.Read(_consumerConfig, _options.StateTopic, partitions.Select(tp => tp.Partition.Value % _statePartitions), keys, _logger);
        var seek = new Dictionary<int, long>();
        void SeekAtMost(int q, long offset) => seek[q] = Math.Min(offset, seek.TryGetValue(q, out var current) ? current : long.MaxValue);

        foreach (var tp in partitions)
        {
            var partition = tp.Partition.Value;
            var offset = committed.TryGetValue(tp, out var c) && c >= 0 ? c : -1;
            var snapshot = found.TryGetValue(PartitionSnapshot.KeyOf(tp.Topic, partition), out var list) ? list[^1] : null;
            if (snapshot is null && offset >= 0)
            {
                _logger.LogError("No snapshot of {Topic}/{Partition} (committed offset {Offset}): its state is lost and starts empty", tp.Topic, partition, offset);
            }
            else if (snapshot is not null && snapshot.NextOffset != offset)
            {
                // One transaction writes both, so they differ only where a broker shows aborted
                // transactions or drops transactional offset commits (librdkafka's mock does both).
                _logger.LogWarning("The snapshot of {Topic}/{Partition} is at offset {SnapshotOffset}, the group's commit at {Offset}: going on from the snapshot's",
                    tp.Topic, partition, snapshot.NextOffset, offset);
            }

            // The state and the offset it goes with come from one snapshot: the offset is stored with the state.
            _nextOffset[tp] = snapshot is { NextOffset: >= 0 } ? snapshot.NextOffset : offset;
            if (snapshot is not null)
            {
                foreach (var (q, jobOffset) in snapshot.JobEventOffsets)
                {
                    SeekAtMost(q, jobOffset);
                }

                foreach (var (q, time) in snapshot.Clocks)
                {
                    _join.AddClock(q, time);
                }
            }
            else
            {
                // A partition with no state has seen no job event: all of them are applied again.
                for (var q = 0; q < _jobEventPartitions; q++)
                {
                    SeekAtMost(q, 0);
                }
            }

            if (tp.Topic == _options.ReadingsTopic)
            {
                _ownedReadings.Add(partition);
                _dirtyReadings.Add(partition);
                foreach (var node in snapshot?.Nodes ?? [])
                {
                    _join.ImportNode(node);
                    _nodePartition[node.Node] = partition;
                }
            }
            else
            {
                var assembler = new JobEnergyAssembler();
                foreach (var part in snapshot?.PendingParts ?? [])
                {
                    assembler.Add(part);
                }

                _assemblers[partition] = assembler;
                for (var q = partition; q < _jobEventPartitions; q += _partPartitions)
                {
                    var table = snapshot?.JobTables?.FirstOrDefault(t => t.Partition == q) is { } state ? JobTable.Import(state) : new JobTable(q);
                    _jobTables[q] = table;
                    SeekAtMost(q, table.Position);
                }
            }
        }

        var rewound = false;
        foreach (var (q, offset) in seek)
        {
            if (offset < _jobNext[q])
            {
                _replayUntil[q] = Math.Max(_replayUntil.TryGetValue(q, out var until) ? until : 0, _jobNext[q]);
                _jobNext[q] = offset;
                rewound = true;
            }
        }

        if (rewound)
        {
            AssignJobEvents();
        }

        _logger.LogInformation("Assigned {Partitions}; {Snapshots} restored from snapshots", string.Join(", ", partitions),
            partitions.Count(tp => found.ContainsKey(PartitionSnapshot.KeyOf(tp.Topic, tp.Partition.Value))));
        return partitions.Select(tp => new TopicPartitionOffset(tp, _nextOffset[tp] >= 0 ? new Offset(_nextOffset[tp]) : Offset.Unset));
    }

    /// <summary>Hands partitions over: what is done so far commits, then their state is dropped here.</summary>
    private void Revoke(List<TopicPartitionOffset> partitions)
    {
        if (!_failed)
        {
            ConsumeJobEvents();
            DrainJoin();
            EnsureTransaction();
            Commit(full: true);
        }

        foreach (var tp in partitions.Select(p => p.TopicPartition))
        {
            var partition = tp.Partition.Value;
            _nextOffset.Remove(tp);
            if (tp.Topic == _options.ReadingsTopic)
            {
                _ownedReadings.Remove(partition);
                _dirtyReadings.Remove(partition);
                foreach (var node in _nodePartition.Where(n => n.Value == partition).Select(n => n.Key).ToList())
                {
                    _join.ForgetNode(node);
                    _nodePartition.Remove(node);
                }
            }
            else
            {
                _assemblers.Remove(partition);
            }
        }

        _paused = false;
    }

    private void AssignJobEvents() =>
        _jobs.Assign(_jobNext.Select(next => new TopicPartitionOffset(_options.JobEventsTopic, next.Key, new Offset(next.Value))));

    private static SerializationContext Context(string topic) => new(MessageComponentType.Value, topic);

    private static int PartitionCount(IAdminClient admin, string topic)
    {
        var metadata = admin.GetMetadata(topic, BrokerTimeout).Topics.Single();
        return metadata.Error.IsError || metadata.Partitions.Count == 0
            ? throw new SessionRestartException($"Topic {topic} has no metadata ({metadata.Error.Reason}); the AppHost creates it at start.")
            : metadata.Partitions.Count;
    }

    private void Log(LogMessage message) => _telemetry.Log(_logger, message);
}

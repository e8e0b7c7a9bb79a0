using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using HpcAspire.Contracts;
using HpcAspire.Processor.Core;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Framing;

namespace HpcAspire.Processor;

/// <summary>
/// One life of the processor: a transactional producer, the <c>processor</c> group's consumer of
/// readings and energy shares, a group-less consumer of every job-event partition, and the state
/// they feed. Each batch is one transaction: its outputs, its dead letters, the snapshots of the
/// partitions whose state changed and the group's offsets commit together or not at all.
/// </summary>
/// <remarks>
/// The batches, the snapshots and the rebalances all change the state of the group's partitions, so
/// it stays in this one class, one concern per file: ProcessingSession.Snapshots.cs writes and restores
/// it, ProcessingSession.Rebalance.cs hands it over. <see cref="ProcessorTransaction"/> and
/// <see cref="JobEventIntake"/> need none of it.
/// </remarks>
internal sealed partial class ProcessingSession : IDisposable
{
    private const int FullSnapshotEveryTransactions = 50;

    // The join is drained as the batch goes, not only at its end: its results are then produced, sent and acked
    // while the batch is still being read, and the commit waits for the last few instead of the whole batch.
    private const int DrainEvery = 500;

    // How long a poll of the group waits when nothing comes: the job events (the scheduler clock that releases the
    // waiting readings) are read between polls, so an idle poll's wait is a wait for the clock too.
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(5);
    internal static readonly TimeSpan BrokerTimeout = TimeSpan.FromSeconds(30);

    private readonly ProcessorOptions _options;
    private readonly KafkaTelemetry _telemetry;
    private readonly KafkaTracing _tracing;
    private readonly ProcessorMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConsumerConfig _consumerConfig;
    private readonly IProducer<string?, byte[]> _producer;
    private readonly IConsumer<string?, byte[]> _group;
    private readonly ProcessorTransaction _transaction;
    private readonly JobEventIntake _jobEvents;
    private readonly ISerializer<EnrichedReading> _enrichedSerializer;
    private readonly ISerializer<JobEnergyPart> _partSerializer;
    private readonly ISerializer<JobEnergy> _energySerializer;
    private readonly int _jobEventPartitions;
    private readonly int _partPartitions;
    private readonly int _statePartitions;

    private readonly ProcessorCore _core;
    private readonly TransactionPace _pace;
    private readonly HashSet<int> _ownedReadings = [];
    private readonly Dictionary<TopicPartition, long> _nextOffset = [];
    private bool _failed;
    private bool _paused;
    private long _transactions;

    public ProcessingSession(ProcessorSettings settings, KafkaClientSettings kafka, ISchemaRegistryClient registry, ProcessorMetrics metrics, IMeterFactory meterFactory,
        KafkaTelemetry telemetry, KafkaTracing tracing, ILogger logger)
    {
        _telemetry = telemetry;
        _tracing = tracing;
        _options = settings.Options;
        _metrics = metrics;
        _logger = logger;
        var brokers = kafka.BootstrapServers!;

        var producerConfig = ProcessorTransaction.Configure(new ProducerConfig(kafka.Producer)
        {
            BootstrapServers = brokers,
            ClientId = $"processor-{_options.InstanceId}-producer",
            TransactionalId = _options.TransactionalId,
            StatisticsIntervalMs = kafka.StatisticsIntervalMs,
        });
        KafkaClientSettings.ApplyProducerDefaults(producerConfig);
        _producer = new ProducerBuilder<string?, byte[]>(producerConfig)
            .SetLogHandler((_, m) => Log(m)).SetStatisticsHandler((_, json) => _telemetry.Record(json)).Build();
        _producer.InitTransactions(BrokerTimeout); // fences an earlier life of this instance and aborts its open transaction

        _consumerConfig = new ConsumerConfig(kafka.Consumer)
        {
            BootstrapServers = brokers,
            EnableAutoCommit = false, // offsets go into the transactions, nowhere else, whatever configuration says
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
            StatisticsIntervalMs = kafka.StatisticsIntervalMs,
        };
        KafkaClientSettings.ApplyConsumerDefaults(_consumerConfig);
        var jobs = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig(_consumerConfig)
        {
            GroupId = $"processor-{_options.InstanceId}-job-events", // never joined nor committed: the job events are assigned, all of them
            ClientId = $"processor-{_options.InstanceId}-job-events",
        }).SetLogHandler((_, m) => Log(m)).SetStatisticsHandler((_, json) => _telemetry.Record(json)).Build();
        _group = WithRebalanceHandlers(new ConsumerBuilder<string?, byte[]>(new ConsumerConfig(_consumerConfig)
        {
            GroupId = ProcessorOptions.GroupId,
            ClientId = $"processor-{_options.InstanceId}",
            // Only offsets stored after their transaction committed, and only with CommitGroupOffsets (Commit below).
            EnableAutoCommit = _options.CommitGroupOffsets,
            EnableAutoOffsetStore = false,
            AutoCommitIntervalMs = 250,
        })).SetLogHandler((_, m) => Log(m)).SetStatisticsHandler((_, json) => _telemetry.Record(json)).Build();

        _transaction = new ProcessorTransaction(_producer, _group, new DeadLetterPublisher(_producer, "processor", meterFactory, _options.DeadLetterTopic),
            tracing.Stages, _logger);
        var jobEventDecoder = new AvroMessageDecoder<JobEvent>(registry);
        _enrichedSerializer = tracing.Traced(new AvroFramedSerializer<EnrichedReading>(registry));
        _partSerializer = tracing.Traced(new AvroFramedSerializer<JobEnergyPart>(registry));
        _energySerializer = tracing.Traced(new AvroFramedSerializer<JobEnergy>(registry));

        using (var admin = new DependentAdminClientBuilder(_producer.Handle).Build())
        {
            _jobEventPartitions = PartitionCount(admin, _options.JobEventsTopic);
            _partPartitions = PartitionCount(admin, _options.EnergyPartsTopic);
            _statePartitions = PartitionCount(admin, _options.StateTopic);
        }

        _core = new ProcessorCore(_options, settings.Nodes, _jobEventPartitions, batches: false, registry, metrics, tracing.Stages);
        _pace = new TransactionPace(_options, metrics, logger);

        // A job-event partition's events are judged by the owner of the share partition that snapshots its table.
        _jobEvents = new JobEventIntake(jobs, _options.JobEventsTopic, _jobEventPartitions, settings.Nodes, _core, jobEventDecoder,
            q => _core.OwnsShares(q % _partPartitions), _transaction);
    }

    public void Run(CancellationToken stoppingToken)
    {
        _group.Subscribe([_options.ReadingsTopic, _options.EnergyPartsTopic]);
        var clock = Stopwatch.StartNew();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var loopStartedAt = PipelineStages.Now();
                var batchEnd = clock.Elapsed + _pace.Next(ReadingsBacklog());
                var count = 0;
                _jobEvents.Consume();
                while (count < _options.BatchSize && clock.Elapsed < batchEnd && !stoppingToken.IsCancellationRequested)
                {
                    var result = _group.Consume(IdlePoll);
                    if (result is null)
                    {
                        _jobEvents.Consume();
                        DrainJoin();
                        continue;
                    }

                    Handle(result);
                    if (++count % DrainEvery == 0)
                    {
                        _jobEvents.Consume();
                        DrainJoin();
                    }
                }

                _jobEvents.Consume();
                DrainJoin();
                Backpressure();
                if (_transaction.IsOpen)
                {
                    Commit(full: false);
                }

                _tracing.Stages.Record(PipelineStages.Loop, "", loopStartedAt);
            }

            _group.Close(); // commits what is done in the revocation, and leaves the group at once
        }
        catch (Exception ex)
        {
            _failed = true;
            _transaction.Abort();
            throw ex is KafkaException or SessionRestartException ? ex : new SessionRestartException("Processing failed", ex);
        }
    }

    public void Dispose()
    {
        _failed = true; // a consumer disposed without Close() revokes its partitions: nothing may commit then
        _group.Dispose();
        _jobEvents.Dispose();
        _producer.Dispose();
    }

    /// <summary>A message of the group's topics, handed to the core in the open transaction; what it makes or refuses is produced in it.</summary>
    private void Handle(ConsumeResult<string?, byte[]> result)
    {
        _transaction.EnsureOpen();
        _nextOffset[result.TopicPartition] = result.Offset.Value + 1;
        var startedAt = _tracing.Stages.Start();
        using var activity = _tracing.StartProcess(result, ProcessorOptions.GroupId, out var unsampled);
        var handled = result.Topic == _options.ReadingsTopic
            ? _core.ReadingsAsync(result.Partition.Value, result.Topic, result.Message.Value, MessageTrace.Of(activity, unsampled))
            : _core.EnergySharesAsync(result.Partition.Value, result.Topic, result.Message.Value, activity is { Recorded: true } ? activity.Context : default);
        handled.GetAwaiter().GetResult(); // at once, but for the first message of a schema id (the registry is asked)
        Send(result);
        _tracing.Stages.Record(PipelineStages.Process, result.Topic, startedAt);
    }

    /// <summary>Everything in the core's outbox, produced in the open transaction; its rejections dead-letter <paramref name="source"/>.</summary>
    private void Send(ConsumeResult<string?, byte[]>? source)
    {
        var outbox = _core.Outbox;
        if (outbox.IsEmpty)
        {
            return;
        }

        _transaction.EnsureOpen();
        foreach (var rejection in outbox.Rejections)
        {
            _transaction.DeadLetter(source!, rejection.Reason, rejection.Error);
        }

        foreach (var (enriched, trace) in outbox.EnrichedReadings)
        {
            Send(_options.EnrichedReadingsTopic, enriched.Reading.NodeId, enriched, _enrichedSerializer, trace.Recorded, unsampled: trace.Unsampled);
        }

        foreach (var share in outbox.EnergyShares)
        {
            Send(_options.EnergyPartsTopic, share.JobId, share, _partSerializer, default);
        }

        foreach (var (energy, links) in outbox.JobEnergies)
        {
            Send(_options.JobEnergyTopic, energy.JobId, energy, _energySerializer, default, links);
        }

        outbox.Clear();
    }

    /// <summary>
    /// Sends a result in the open transaction, in a send span that continues <paramref name="parent"/>'s trace; or, for
    /// the result of an unsampled message, with no span and that message's <paramref name="unsampled"/> traceparent.
    /// </summary>
    private void Send<T>(string topic, string key, T value, ISerializer<T> serializer, ActivityContext parent, IEnumerable<ActivityLink>? links = null,
        byte[]? unsampled = null)
    {
        var startedAt = _tracing.Stages.Start();
        var previous = Activity.Current;
        var message = new Message<string?, byte[]> { Key = key };
        Activity? send = null;
        if (unsampled is not null)
        {
            KafkaTracing.ContinueUnsampled(message, unsampled);
        }
        else
        {
            send = KafkaTracing.StartSend(topic, message, parent, links);
        }

        message.Value = serializer.Serialize(value, Context(topic));
        _transaction.Produce(topic, message, send, startedAt);
        Activity.Current = previous; // the send span ends with the transaction, not here
    }

    private void DrainJoin()
    {
        if (!_jobEvents.CaughtUp())
        {
            return; // job events replayed after a restore are not all applied again yet
        }

        _core.Drain();
        Send(source: null);
    }

    /// <summary>
    /// The readings not yet read from this session's reading partitions: each one's high watermark as the consumer's
    /// last fetch reported it (no broker call) less the next offset to handle. A partition not yet read counts nothing.
    /// </summary>
    private long ReadingsBacklog()
    {
        long backlog = 0;
        foreach (var (tp, next) in _nextOffset)
        {
            if (next >= 0 && tp.Topic == _options.ReadingsTopic && _group.GetWatermarkOffsets(tp) is { High.Value: >= 0 } watermarks)
            {
                backlog += Math.Max(0, watermarks.High.Value - next);
            }
        }

        return backlog;
    }

    private void Backpressure()
    {
        var pause = _core.WaitingReadings > _options.MaxWaitingReadings;
        if (pause == _paused)
        {
            return;
        }

        var readings = _group.Assignment.Where(tp => tp.Topic == _options.ReadingsTopic).ToList();
        if (pause)
        {
            _group.Pause(readings);
            _metrics.ReadingPauses.Add(1);
            _logger.LogInformation("Paused {Partitions}: {Waiting} readings wait for the scheduler's clock (Processor:MaxWaitingReadings {Max})",
                string.Join(", ", readings), _core.WaitingReadings, _options.MaxWaitingReadings);
        }
        else
        {
            _group.Resume(readings);
            _logger.LogInformation("Resumed {Partitions}: {Waiting} readings wait", string.Join(", ", readings), _core.WaitingReadings);
        }

        _paused = pause;
    }

    private void Commit(bool full)
    {
        full |= ++_transactions % FullSnapshotEveryTransactions == 0;

        // Outputs before the snapshots that say they are done: on a broker that shows aborted
        // transactions (librdkafka's mock), a snapshot is never visible without its outputs.
        _transaction.Flush();
        WriteSnapshots(full);
        var offsets = _nextOffset.Where(o => o.Value >= 0).Select(o => new TopicPartitionOffset(o.Key, o.Value)).ToList();
        _transaction.Commit(offsets);
        if (_options.CommitGroupOffsets)
        {
            StoreGroupOffsets(offsets);
        }

        _core.ReadingStateSaved();
        _metrics.Transactions.Add(1);
    }

    /// <summary>Offsets now durable, for the consumer's next commit (<see cref="ProcessorOptions.CommitGroupOffsets"/>).</summary>
    private void StoreGroupOffsets(IReadOnlyList<TopicPartitionOffset> offsets)
    {
        foreach (var offset in offsets)
        {
            try
            {
                _group.StoreOffset(offset);
            }
            catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_State)
            {
                // The partition was just revoked; its next owner resumes from the snapshot this transaction wrote.
            }
        }
    }

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

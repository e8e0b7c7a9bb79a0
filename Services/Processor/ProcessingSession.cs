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
/// <remarks>
/// The batches, the snapshots and the rebalances all change the state of the group's partitions, so
/// it stays in this one class, one concern per file: ProcessingSession.Snapshots.cs writes and restores
/// it, ProcessingSession.Rebalance.cs hands it over. <see cref="ProcessorTransaction"/> and
/// <see cref="JobEventIntake"/> need none of it.
/// </remarks>
internal sealed partial class ProcessingSession : IDisposable
{
    private const int FullSnapshotEveryTransactions = 50;
    internal static readonly TimeSpan BrokerTimeout = TimeSpan.FromSeconds(30);

    private readonly ProcessorOptions _options;
    private readonly KafkaTelemetry _telemetry;
    private readonly ProcessorMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConsumerConfig _consumerConfig;
    private readonly IProducer<string?, byte[]> _producer;
    private readonly IConsumer<string?, byte[]> _group;
    private readonly ProcessorTransaction _transaction;
    private readonly JobEventIntake _jobEvents;
    private readonly AvroMessageDecoder<NodeReading> _readingDecoder;
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
    private readonly HashSet<int> _dirtyReadings = [];
    private bool _failed;
    private bool _paused;
    private long _transactions;

    public ProcessingSession(ProcessorSettings settings, ISchemaRegistryClient registry, ProcessorMetrics metrics, IMeterFactory meterFactory, KafkaTelemetry telemetry, ILogger logger)
    {
        _telemetry = telemetry;
        _options = settings.Options;
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
        var jobs = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig(_consumerConfig)
        {
            GroupId = $"processor-{_options.InstanceId}-job-events", // never joined nor committed: the job events are assigned, all of them
            ClientId = $"processor-{_options.InstanceId}-job-events",
        }).SetLogHandler((_, m) => Log(m)).SetStatisticsHandler((_, json) => _telemetry.Record(json)).Build();
        _group = WithRebalanceHandlers(new ConsumerBuilder<string?, byte[]>(new ConsumerConfig(_consumerConfig)
        {
            GroupId = ProcessorOptions.GroupId,
            ClientId = $"processor-{_options.InstanceId}",
        })).SetLogHandler((_, m) => Log(m)).SetStatisticsHandler((_, json) => _telemetry.Record(json)).Build();

        _transaction = new ProcessorTransaction(_producer, _group, new DeadLetterPublisher(_producer, "processor", meterFactory, _options.DeadLetterTopic), _logger);
        _readingDecoder = new AvroMessageDecoder<NodeReading>(registry);
        var jobEventDecoder = new AvroMessageDecoder<JobEvent>(registry);
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

        _join = new NodeTelemetryJoin(_jobEventPartitions, settings.Nodes);

        // A job-event partition's events are judged by the owner of the share partition that snapshots its table.
        _jobEvents = new JobEventIntake(jobs, _options.JobEventsTopic, _jobEventPartitions, settings.Nodes, _join, jobEventDecoder,
            q => _assemblers.ContainsKey(q % _partPartitions), _transaction);
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
                _jobEvents.Consume();
                while (count < _options.BatchSize && clock.Elapsed < batchEnd && !stoppingToken.IsCancellationRequested)
                {
                    var result = _group.Consume(TimeSpan.FromMilliseconds(20));
                    if (result is null)
                    {
                        _jobEvents.Consume();
                        continue;
                    }

                    Handle(result);
                    if (++count % 500 == 0)
                    {
                        _jobEvents.Consume();
                    }
                }

                _jobEvents.Consume();
                DrainJoin();
                Backpressure();
                if (_transaction.IsOpen)
                {
                    Commit(full: false);
                }
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

    private void Handle(ConsumeResult<string?, byte[]> result)
    {
        _transaction.EnsureOpen();
        _nextOffset[result.TopicPartition] = result.Offset.Value + 1;
        var partition = result.Partition.Value;
        if (result.Topic == _options.ReadingsTopic)
        {
            _dirtyReadings.Add(partition);
            var decoded = _readingDecoder.DecodeAsync(result.Topic, result.Message.Value, result.Message.Headers).GetAwaiter().GetResult();
            if (!decoded.IsDecoded)
            {
                _transaction.DeadLetter(result, decoded.Failure!.Value.ToString(), decoded.Error!);
            }
            else if (_join.AddReading(decoded.Value!) is { } problem)
            {
                _transaction.DeadLetter(result, "InvalidReading", problem);
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
                _transaction.DeadLetter(result, decoded.Failure!.Value.ToString(), decoded.Error!);
            }
            else if (_assemblers[partition].Add(decoded.Value!) is { } energy)
            {
                _transaction.Produce(_options.JobEnergyTopic, null, energy.JobId, _energySerializer.Serialize(energy, Context(_options.JobEnergyTopic)));
                _metrics.JobEnergies.Add(1);
            }
        }
    }

    private void DrainJoin()
    {
        if (!_jobEvents.CaughtUp())
        {
            return; // job events replayed after a restore are not all applied again yet
        }

        var output = _join.Drain();
        if (output.Readings.Count == 0 && output.EnergyParts.Count == 0)
        {
            return;
        }

        _transaction.EnsureOpen();
        foreach (var enriched in output.Readings)
        {
            var node = enriched.Reading.NodeId;
            _dirtyReadings.Add(_nodePartition[node]);
            _transaction.Produce(_options.EnrichedReadingsTopic, null, node, _enrichedSerializer.Serialize(enriched, Context(_options.EnrichedReadingsTopic)));
        }

        foreach (var part in output.EnergyParts)
        {
            _transaction.Produce(_options.EnergyPartsTopic, null, part.JobId, _partSerializer.Serialize(part, Context(_options.EnergyPartsTopic)));
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

    private void Commit(bool full)
    {
        full |= ++_transactions % FullSnapshotEveryTransactions == 0;

        // Outputs before the snapshots that say they are done: on a broker that shows aborted
        // transactions (librdkafka's mock), a snapshot is never visible without its outputs.
        _transaction.Flush();
        WriteSnapshots(full);
        _transaction.Commit(_nextOffset.Where(o => o.Value >= 0).Select(o => new TopicPartitionOffset(o.Key, o.Value)).ToList());
        _dirtyReadings.Clear();
        _metrics.Transactions.Add(1);
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

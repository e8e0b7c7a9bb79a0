using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;
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
    public const string ActivitySourceName = "HpcAspire.Processor";
    private const int FullSnapshotEveryTransactions = 50;

    // The join is drained as the batch goes, not only at its end: its results are then produced, sent and acked
    // while the batch is still being read, and the commit waits for the last few instead of the whole batch.
    private const int DrainEvery = 500;
    internal static readonly TimeSpan BrokerTimeout = TimeSpan.FromSeconds(30);
    private static readonly ActivitySource Activities = new(ActivitySourceName);

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
    // Traced messages whose results are sent later: a reading's enriched record continues the reading's
    // trace, from its process span if recorded, else (no span was made) from its traceparent as it came;
    // a job's energy record links to the traces of the shares it sums (empty when nothing is sampled).
    private readonly Dictionary<(string Node, DateTime At), (ActivityContext Recorded, byte[]? Unsampled)> _readingTraces = [];
    private readonly Dictionary<string, List<ActivityLink>> _shareTraces = new(StringComparer.Ordinal);
    private bool _failed;
    private bool _paused;
    private long _transactions;

    public ProcessingSession(ProcessorSettings settings, ISchemaRegistryClient registry, ProcessorMetrics metrics, IMeterFactory meterFactory,
        KafkaTelemetry telemetry, KafkaTracing tracing, ILogger logger)
    {
        _telemetry = telemetry;
        _tracing = tracing;
        _options = settings.Options;
        _metrics = metrics;
        _logger = logger;
        var brokers = settings.Kafka.BootstrapServers!;

        var producerConfig = ProcessorTransaction.Configure(new ProducerConfig(settings.Kafka.Producer)
        {
            BootstrapServers = brokers,
            ClientId = $"processor-{_options.InstanceId}-producer",
            TransactionalId = _options.TransactionalId,
            StatisticsIntervalMs = settings.Kafka.StatisticsIntervalMs,
        });
        KafkaClientSettings.ApplyProducerDefaults(producerConfig);
        _producer = new ProducerBuilder<string?, byte[]>(producerConfig)
            .SetLogHandler((_, m) => Log(m)).SetStatisticsHandler((_, json) => _telemetry.Record(json)).Build();
        _producer.InitTransactions(BrokerTimeout); // fences an earlier life of this instance and aborts its open transaction

        _consumerConfig = new ConsumerConfig(settings.Kafka.Consumer)
        {
            BootstrapServers = brokers,
            EnableAutoCommit = false, // offsets go into the transactions, nowhere else, whatever configuration says
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
            StatisticsIntervalMs = settings.Kafka.StatisticsIntervalMs,
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
        })).SetLogHandler((_, m) => Log(m)).SetStatisticsHandler((_, json) => _telemetry.Record(json)).Build();

        _transaction = new ProcessorTransaction(_producer, _group, new DeadLetterPublisher(_producer, "processor", meterFactory, _options.DeadLetterTopic),
            tracing.Stages, _logger);
        _readingDecoder = new AvroMessageDecoder<NodeReading>(registry);
        var jobEventDecoder = new AvroMessageDecoder<JobEvent>(registry);
        _partDecoder = new AvroMessageDecoder<JobEnergyPart>(registry);
        _enrichedSerializer = tracing.Traced(new AvroFramedSerializer<EnrichedReading>(registry));
        _partSerializer = tracing.Traced(new AvroFramedSerializer<JobEnergyPart>(registry));
        _energySerializer = tracing.Traced(new AvroFramedSerializer<JobEnergy>(registry));

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
                var loopStartedAt = PipelineStages.Now();
                var batchEnd = clock.Elapsed + TimeSpan.FromMilliseconds(_options.BatchMilliseconds);
                var count = 0;
                _jobEvents.Consume();
                while (count < _options.BatchSize && clock.Elapsed < batchEnd && !stoppingToken.IsCancellationRequested)
                {
                    var result = _group.Consume(TimeSpan.FromMilliseconds(20));
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

    private void Handle(ConsumeResult<string?, byte[]> result)
    {
        _transaction.EnsureOpen();
        _nextOffset[result.TopicPartition] = result.Offset.Value + 1;
        var partition = result.Partition.Value;
        var startedAt = _tracing.Stages.Start();
        using var activity = _tracing.StartProcess(result, ProcessorOptions.GroupId, out var unsampled);
        if (result.Topic == _options.ReadingsTopic)
        {
            _dirtyReadings.Add(partition);
            var decoded = _tracing.Decode(_readingDecoder, result);
            if (!decoded.IsDecoded)
            {
                _transaction.DeadLetter(result, decoded.Failure!.Value, decoded.Error!);
                activity?.SetStatus(ActivityStatusCode.Error, decoded.Failure.ToString());
            }
            else if (Join(decoded.Value!, result.Topic) is { } problem)
            {
                _transaction.DeadLetter(result, DeadLetterReason.InvalidReading, problem);
                activity?.SetStatus(ActivityStatusCode.Error, nameof(DeadLetterReason.InvalidReading));
            }
            else
            {
                _nodePartition[decoded.Value!.NodeId] = partition;
                if (activity is { Recorded: true })
                {
                    _readingTraces[(decoded.Value.NodeId, decoded.Value.Timestamp)] = (activity.Context, null);
                }
                else if (unsampled is not null)
                {
                    _readingTraces[(decoded.Value.NodeId, decoded.Value.Timestamp)] = (default, unsampled);
                }
            }
        }
        else
        {
            var decoded = _tracing.Decode(_partDecoder, result);
            if (!decoded.IsDecoded)
            {
                _transaction.DeadLetter(result, decoded.Failure!.Value, decoded.Error!);
                activity?.SetStatus(ActivityStatusCode.Error, decoded.Failure.ToString());
            }
            else
            {
                var share = decoded.Value!;
                if (activity is { Recorded: true })
                {
                    (_shareTraces.TryGetValue(share.JobId, out var links) ? links : _shareTraces[share.JobId] = []).Add(new ActivityLink(activity.Context));
                }

                if (_assemblers[partition].Add(share) is { } energy)
                {
                    _shareTraces.Remove(energy.JobId, out var shares);
                    Send(_options.JobEnergyTopic, energy.JobId, energy, _energySerializer, default, shares);
                    _metrics.JobEnergies.Add(1);
                }
            }
        }

        _tracing.Stages.Record(PipelineStages.Process, result.Topic, startedAt);
    }

    private string? Join(NodeReading reading, string topic)
    {
        var startedAt = _tracing.Stages.Start();
        using var activity = MessagingActivities.StartStage(Activities, PipelineStages.Join);
        var problem = _join.AddReading(reading);
        _tracing.Stages.Record(PipelineStages.Join, topic, startedAt);
        return problem;
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
            _readingTraces.Remove((node, enriched.Reading.Timestamp), out var reading);
            Send(_options.EnrichedReadingsTopic, node, enriched, _enrichedSerializer, reading.Recorded, unsampled: reading.Unsampled);
        }

        foreach (var part in output.EnergyParts)
        {
            Send(_options.EnergyPartsTopic, part.JobId, part, _partSerializer, default);
        }

        _metrics.Enriched.Add(output.Readings.Count);
        if (_readingTraces.Count > 4 * _options.MaxWaitingReadings)
        {
            _readingTraces.Clear(); // readings of partitions gone to another instance never drain here
        }
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
            _metrics.ReadingPauses.Add(1);
            _logger.LogInformation("Paused {Partitions}: {Waiting} readings wait for the scheduler's clock (Processor:MaxWaitingReadings {Max})",
                string.Join(", ", readings), _join.WaitingReadings, _options.MaxWaitingReadings);
        }
        else
        {
            _group.Resume(readings);
            _logger.LogInformation("Resumed {Partitions}: {Waiting} readings wait", string.Join(", ", readings), _join.WaitingReadings);
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

using HpcAspire.Tests.Support;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using HpcAspire.AppHost.Infrastructure;
using HpcAspire.AppHost.Infrastructure.Kafka.Embedded;
using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Tests.SchemaRegistry;

namespace HpcAspire.Tests.Processor;

/// <summary>
/// What a processor needs around it: a 3-broker mock cluster with the application's topics and the
/// processor's own two, a registry, and the generators' streams written as the generators write them.
/// </summary>
internal sealed class ProcessorPipeline : IAsyncDisposable
{
    public const string Readings = "node-readings";
    public const string JobEvents = "job-events";
    public const string Enriched = "enriched-readings";
    public const string JobEnergy = "job-energy";
    public const string Parts = "job-energy-parts";
    public const string State = "processor-state";
    public const string DeadLetters = "dead-letters";

    private readonly MockKafkaCluster _cluster = new(log: (_, _, _) => { });
    private readonly TemporaryDirectory _registryData = new();
    private readonly CachedSchemaRegistryClient _registry;

    private ProcessorPipeline()
    {
        BootstrapServers = _cluster.Start(3);
        foreach (var (topic, partitions) in (ReadOnlySpan<(string, int)>)[(Readings, 6), (JobEvents, 3), (Enriched, 6), (JobEnergy, 3), (Parts, 3), (State, 6), (DeadLetters, 1)])
        {
            _cluster.CreateTopic(topic, partitions, 3);
        }

        _cluster.SetCoordinator("group", "processor", 1);
        Registry = SchemaRegistryServer.Start(_registryData.Path);
        _registry = Registry.CreateClient();
    }

    public string BootstrapServers { get; }

    public SchemaRegistryServer Registry { get; }

    public static ProcessorPipeline Start() => new();

    public ServiceProcess StartProcessor(int instance, params string[] settings) =>
        ServiceProcess.Start("Processor", BootstrapServers, Registry.Url.ToString(), [$"--Processor:InstanceId={instance}", .. settings]);

    public IProducer<string?, byte[]> CreateProducer() => new ProducerBuilder<string?, byte[]>(new ProducerConfig
    {
        BootstrapServers = BootstrapServers, Acks = Acks.All, EnableIdempotence = true, LingerMs = 5,
    }).SetLogHandler((_, _) => { }).Build();

    public byte[] Serialize<T>(T value, string topic) =>
        new AvroSerializer<T>(_registry).SerializeAsync(value, new SerializationContext(MessageComponentType.Value, topic)).GetAwaiter().GetResult();

    /// <summary>
    /// The simulation's streams as the two generators send them: each tick's job events by job then a clock to every
    /// job-event partition, and its readings by node (with <paramref name="readingHeaders"/>' headers, if given).
    /// </summary>
    public void Produce(IProducer<string?, byte[]> producer, IEnumerable<ClusterTick> ticks, double ticksPerSecond = 0,
        Func<NodeReading, Headers?>? readingHeaders = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sent = 0;
        var readingSerializer = new AvroSerializer<NodeReading>(_registry);
        var eventSerializer = new AvroSerializer<JobEvent>(_registry);
        foreach (var tick in ticks)
        {
            foreach (var jobEvent in tick.JobEvents)
            {
                producer.Produce(JobEvents, new Message<string?, byte[]> { Key = jobEvent.JobId, Value = Serialize(eventSerializer, jobEvent, JobEvents) });
            }

            for (var partition = 0; partition < 3; partition++)
            {
                producer.Produce(new TopicPartition(JobEvents, partition), new Message<string?, byte[]> { Key = null, Value = null!, Headers = SchedulerClock.Stamp(tick.Time) });
            }

            foreach (var reading in tick.Readings)
            {
                producer.Produce(Readings, new Message<string?, byte[]>
                {
                    Key = reading.NodeId, Value = Serialize(readingSerializer, reading, Readings), Headers = readingHeaders?.Invoke(reading),
                });
            }

            if (ticksPerSecond > 0 && TimeSpan.FromSeconds(++sent / ticksPerSecond) - clock.Elapsed is { TotalMilliseconds: > 0 } due)
            {
                Thread.Sleep(due);
            }
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Every message of the topic now, decoded, with its partition, offset and headers.</summary>
    public List<Record<T>> ReadAll<T>(string topic)
    {
        var deserializer = new AvroDeserializer<T>(_registry);
        var records = new List<Record<T>>();
        foreach (var message in ReadRaw(topic))
        {
            var value = deserializer.DeserializeAsync(message.Message.Value, false, new SerializationContext(MessageComponentType.Value, topic)).GetAwaiter().GetResult();
            records.Add(new Record<T>(message.Message.Key, value, message.Partition.Value, message.Offset.Value, message.Message.Headers));
        }

        return records;
    }

    public List<ConsumeResult<string?, byte[]>> ReadRaw(string topic)
    {
        using var consumer = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers, GroupId = $"test-{Guid.NewGuid():N}", EnableAutoCommit = false,
            EnablePartitionEof = true, FetchWaitMaxMs = 10, IsolationLevel = IsolationLevel.ReadCommitted,
        }).SetLogHandler((_, _) => { }).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count;
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var atEnd = new HashSet<int>();
        var results = new List<ConsumeResult<string?, byte[]>>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (atEnd.Count < partitions && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
            }
            else
            {
                results.Add(result);
            }
        }

        return results;
    }

    /// <summary>Polls until <paramref name="done"/> holds for the topic's messages, or the time is up.</summary>
    public async Task<List<Record<T>>> WaitForAsync<T>(string topic, Func<List<Record<T>>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var records = ReadAll<T>(topic);
            if (done(records) || DateTime.UtcNow > deadline)
            {
                return records;
            }

            await Task.Delay(500);
        }
    }

    /// <summary>The whole streams, sent before the test goes on: a processor started next begins that far behind.</summary>
    public void ProduceAll(IEnumerable<ClusterTick> ticks)
    {
        using var producer = CreateProducer();
        Produce(producer, ticks);
    }

    /// <summary>The streams sent live, at a generator's pace, while the test goes on.</summary>
    public Task ProduceLiveAsync(IEnumerable<ClusterTick> ticks, double ticksPerSecond) => Task.Run(() =>
    {
        using var producer = CreateProducer();
        Produce(producer, ticks, ticksPerSecond);
    });

    /// <summary>
    /// Deletes the readings the processor's group has committed past, every 100 ms until disposed, as the AppHost's
    /// trimmer does in embedded mode; <see cref="ReadingsTrim.Deleted"/> says how many went.
    /// </summary>
    public ReadingsTrim TrimCommittedReadings() => new(BootstrapServers, _cluster);

    internal sealed class ReadingsTrim : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly ConsumedRecordsTrimmer _trimmer;

        public ReadingsTrim(string servers, MockKafkaCluster cluster)
        {
            _trimmer = new ConsumedRecordsTrimmer(servers, new KafkaSettings
            {
                Topics = new Dictionary<string, int> { [Readings] = 6 },
                ConsumerGroups = ["processor"],
                TrimConsumed = new Dictionary<string, IReadOnlyList<string>> { [Readings] = ["processor"] },
            });
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    _trimmer.TrimOnce(t => cluster.DeleteRecords(t.Topic, t.Partition.Value, t.Offset.Value));
                    Volatile.Write(ref _deleted, _trimmer.Deleted[Readings]);
                    await Task.Delay(100, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            });
        }

        private long _deleted;

        public long Deleted => Volatile.Read(ref _deleted);

        public void Dispose()
        {
            _stop.Cancel();
            _loop.GetAwaiter().GetResult();
            _trimmer.Dispose();
            _stop.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _registry.Dispose();
        await Registry.DisposeAsync();
        _registryData.Dispose();
        _cluster.Dispose();
    }

    private static byte[] Serialize<T>(AvroSerializer<T> serializer, T value, string topic) =>
        serializer.SerializeAsync(value, new SerializationContext(MessageComponentType.Value, topic)).GetAwaiter().GetResult();
}

internal sealed record Record<T>(string? Key, T Value, int Partition, long Offset, Headers? Headers = null);

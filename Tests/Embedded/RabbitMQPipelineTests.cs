using System.Text;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;
using HpcAspire.Framing;
using HpcAspire.Messaging;
using HpcAspire.Messaging.RabbitMQ;
using HpcAspire.Tests.Support;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace HpcAspire.Tests.Embedded;

/// <summary>
/// The RabbitMQ application through the real AppHost and Debian's rabbitmq-server: the same rows as the Kafka
/// application for the same seed, undisturbed, with the server restarted mid-stream, with a processor killed
/// mid-stream, with two processor replicas, and with bad messages among the good ones.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.EndToEnd)]
public class RabbitMQPipelineTests(ITestOutputHelper log)
{
    private static readonly string[] WaitForRabbitMQ = ["rabbitmq", "schema-registry-service"];

    [Fact]
    public async Task Both_applications_write_exactly_the_same_rows_for_the_same_seed()
    {
        var run = await PipelineRun.StartAsync(ticks: 600, ticksPerSecond: 0, ["kafka", "rabbitmq", "schema-registry-service"], "Application:Transports=Both");
        await using var app = run.App;
        await run.AssertExactRowsAsync(PipelineApplication.RabbitMQ, log);
        await run.AssertExactRowsAsync(PipelineApplication.Kafka, log);

        var rabbitmq = run.SinkOf(PipelineApplication.RabbitMQ);
        Assert.Equal(run.Sink.Rows(PipelineRun.Readings).Order(StringComparer.Ordinal), rabbitmq.Rows(PipelineRun.Readings).Order(StringComparer.Ordinal));
        Assert.Equal(run.Sink.Rows(PipelineRun.Energy).Order(StringComparer.Ordinal), rabbitmq.Rows(PipelineRun.Energy).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_server_restarted_mid_stream_leaves_exactly_the_expected_rows()
    {
        var run = await StartAsync(ticks: 900, ticksPerSecond: 30);
        await using var app = run.App;
        await run.WaitForReadingRowsAsync(PipelineApplication.RabbitMQ, run.ExpectedReadings.Count / 4);

        var commands = app.Services.GetRequiredService<ResourceCommandService>();
        var stopped = await commands.ExecuteCommandAsync("rabbitmq", KnownResourceCommands.StopCommand);
        Assert.True(stopped.Success, stopped.Message);
        var rowsAtStop = run.SinkOf(PipelineApplication.RabbitMQ).Rows(PipelineRun.Readings).Count;
        log.WriteLine($"Stopped rabbitmq-server with {rowsAtStop} of {run.ExpectedReadings.Count} enriched rows written");
        Assert.True(rowsAtStop < run.ExpectedReadings.Count, "The stream ended before the server could be stopped mid-stream.");
        await Task.Delay(TimeSpan.FromSeconds(3)); // publishers and consumers meet a closed connection meanwhile

        var started = await commands.ExecuteCommandAsync("rabbitmq", KnownResourceCommands.StartCommand);
        Assert.True(started.Success, started.Message);
        await run.AssertExactRowsAsync(PipelineApplication.RabbitMQ, log);
    }

    [Fact]
    public async Task A_processor_killed_mid_stream_and_restarted_leaves_exactly_the_expected_rows()
    {
        var run = await StartAsync(ticks: 900, ticksPerSecond: 30);
        await using var app = run.App;
        await run.WaitForReadingRowsAsync(PipelineApplication.RabbitMQ, run.ExpectedReadings.Count / 3);

        var pid = await ResourceProcesses.KillAsync(app, PipelineApplication.RabbitMQ.Processor);
        var rowsAtKill = run.SinkOf(PipelineApplication.RabbitMQ).Rows(PipelineRun.Readings).Count;
        log.WriteLine($"Killed the RabbitMQ processor (pid {pid}) with {rowsAtKill} of {run.ExpectedReadings.Count} enriched rows written");
        Assert.True(rowsAtKill < run.ExpectedReadings.Count, "The stream ended before the processor could be killed mid-stream.");
        await Task.Delay(TimeSpan.FromSeconds(2)); // readings pile up in the shards meanwhile

        await ResourceProcesses.StartAsync(app, PipelineApplication.RabbitMQ.Processor);
        await run.AssertExactRowsAsync(PipelineApplication.RabbitMQ, log);
    }

    [Fact]
    public async Task Two_processor_replicas_split_the_shards_and_keep_each_nodes_order()
    {
        // A reading out of its node's order would be refused by the join, so exact rows prove the order held.
        var run = await StartAsync(ticks: 600, ticksPerSecond: 0, "RabbitMQ:Processors=2");
        await using var app = run.App;
        await run.AssertExactRowsAsync(PipelineApplication.RabbitMQ, log);
        var logs = await ResourceLogs.ReadAsync(app, "rabbitmq-processor-1");
        Assert.Contains("readings.shard-1", logs);
        Assert.Contains("readings.shard-3", logs);
    }

    [Fact]
    public async Task Bad_messages_land_in_the_dead_letter_queue_with_their_reasons_while_every_good_one_reaches_the_sink()
    {
        var run = await StartAsync(ticks: 300, ticksPerSecond: 20);
        await using var app = run.App;
        var factory = new ConnectionFactory { Uri = new Uri((await app.GetConnectionStringAsync("rabbitmq"))!) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await run.WaitForReadingRowsAsync(PipelineApplication.RabbitMQ, 100); // the topology is declared

        using var registry = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = await app.GetConnectionStringAsync("schema-registry") });
        var node = ClusterOptions.NodeName(0);
        var readings = new AvroSerializer<NodeReading>(registry);
        var batches = new AvroBatchWriter<NodeReading>(registry);
        var jobEvents = new AvroSerializer<JobEvent>(registry);
        var at = PipelineRun.Cluster.StartTime.AddHours(1);
        // Readings travel to their node's shard (the AppHost's default 4 shards), in batches; a single framed reading
        // (earlier versions) is read too. The batch holds two bad readings: an unknown node's, and one of a node whose
        // shard is another, each dead-lettered on its own with its index.
        var topology = new HpcTopology(new RabbitMQTransportSettings { ReadingShards = 4 });
        string ShardKey(string nodeId) => topology.ReadingShardKey(HpcTopology.ReadingShard(nodeId, 4));
        var elsewhere = Enumerable.Range(1, 16).Select(ClusterOptions.NodeName).First(other => ShardKey(other) != ShardKey("node-999"));
        var bad = new (string RoutingKey, byte[] Body, string[] Reasons)[]
        {
            (ShardKey(node), Encoding.UTF8.GetBytes("{\"nodeId\": \"node-001\"}"), [nameof(DeadLetterReason.NotConfluentFramed)]),
            (ShardKey(node), [0, 0, 0, 0x7f, 0x7f, 1, 2, 3], [nameof(DeadLetterReason.UnknownSchemaId)]),
            (ShardKey(node), await Serialize(readings, Reading(node, at, powerWatts: -50)), [nameof(DeadLetterReason.InvalidReading)]),
            (ShardKey("node-999"), await batches.WriteAsync([Reading("node-999", at, powerWatts: 300), Reading(elsewhere, at, powerWatts: 300)],
                AvroSubjects.NodeReadingBatches), [nameof(DeadLetterReason.InvalidReading), nameof(DeadLetterReason.WrongShard)]),
            (HpcTopology.JobEventKey("completed"), await Serialize(jobEvents, EndOfUnknownJob(at)), [nameof(DeadLetterReason.InvalidJobEvent)]),
        };
        foreach (var (routingKey, body, _) in bad)
        {
            await channel.BasicPublishAsync(HpcTopology.TelemetryExchange, routingKey, mandatory: true, new BasicProperties { Persistent = true }, body);
        }

        await run.AssertExactRowsAsync(PipelineApplication.RabbitMQ, log);

        var expected = bad.SelectMany(b => b.Reasons).ToList();
        var deadLetters = new List<(string Reason, string Error, string Queue, string Record)>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (deadLetters.Count < expected.Count && DateTime.UtcNow < deadline)
        {
            if (await channel.BasicGetAsync(HpcTopology.DeadLetterQueue, autoAck: true) is not { } message)
            {
                await Task.Delay(100);
                continue;
            }

            var headers = message.BasicProperties.Headers ?? new Dictionary<string, object?>();
            string Header(string name) => headers.TryGetValue(name, out var value) ? value is byte[] text ? Encoding.UTF8.GetString(text) : $"{value}" : "";
            deadLetters.Add((Header(DeadLetterHeaders.Reason), Header(DeadLetterHeaders.Error), Header(DeadLetterHeaders.SourceQueue), Header(DeadLetterHeaders.Record)));
            log.WriteLine($"dead letter from {deadLetters[^1].Queue} (record '{deadLetters[^1].Record}'): {deadLetters[^1].Reason}: {deadLetters[^1].Error}");
        }

        Assert.Equal(expected.Order(), deadLetters.Select(d => d.Reason).Order());
        Assert.Contains(deadLetters, d => d.Error.Contains("negative", StringComparison.OrdinalIgnoreCase) || d.Error.Contains("-50", StringComparison.Ordinal));
        Assert.Contains(deadLetters, d => d.Error.Contains("node-999", StringComparison.Ordinal) && d.Record == "0");
        Assert.Contains(deadLetters, d => d.Reason == nameof(DeadLetterReason.WrongShard) && d.Error.Contains(elsewhere, StringComparison.Ordinal) && d.Record == "1"
                                          && d.Queue == ShardKey("node-999"));
        Assert.Contains(deadLetters, d => d.Error.Contains("job-unknown", StringComparison.Ordinal) && d.Queue == HpcTopology.JobEventsQueue(0));
    }

    private static Task<PipelineRun> StartAsync(int ticks, int ticksPerSecond, params string[] settings) =>
        PipelineRun.StartAsync(ticks, ticksPerSecond, WaitForRabbitMQ, ["Application:Transports=RabbitMQ", .. settings]);

    private static Task<byte[]> Serialize<T>(AvroSerializer<T> serializer, T value) =>
        serializer.SerializeAsync(value, new SerializationContext(MessageComponentType.Value, typeof(T) == typeof(NodeReading) ? AvroSubjects.NodeReadings : AvroSubjects.JobEvents));

    private static NodeReading Reading(string node, DateTime at, double powerWatts) => new()
    {
        NodeId = node, Timestamp = at, CpuTemperatureCelsius = 60, GpuTemperatureCelsius = 55, PowerWatts = powerWatts,
        CpuUtilization = 0.5, GpuUtilization = 0.5,
    };

    private static JobEvent EndOfUnknownJob(DateTime at) => new()
    {
        JobId = "job-unknown", User = "nobody", Account = "none", State = JobState.Completed, Timestamp = at,
        Requested = new ResourceRequest { Nodes = 1, CpusPerNode = 1, GpusPerNode = 0, MemoryGigabytesPerNode = 1, WallTimeSeconds = 60 },
        Nodes = [ClusterOptions.NodeName(0)], ExitCode = 0, Tags = new Dictionary<string, string>(),
    };
}

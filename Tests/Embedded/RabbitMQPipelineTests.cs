using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;
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
        var jobEvents = new AvroSerializer<JobEvent>(registry);
        var at = PipelineRun.Cluster.StartTime.AddHours(1);
        // Readings carry their node's shard for the headers exchange to route on (the AppHost's default 4 shards);
        // one without it has nowhere to go, and the exchange's alternate exchange dead-letters it.
        Dictionary<string, object?> ShardOf(string nodeId) => new() { [HpcTopology.ShardHeader] = HpcTopology.ReadingShard(nodeId, 4).ToString(CultureInfo.InvariantCulture) };
        var bad = new (string RoutingKey, byte[] Body, Dictionary<string, object?>? Headers, string Reason)[]
        {
            (HpcTopology.ReadingKey(node), Encoding.UTF8.GetBytes("{\"nodeId\": \"node-001\"}"), ShardOf(node), "NotConfluentFramed"),
            (HpcTopology.ReadingKey(node), [0, 0, 0, 0x7f, 0x7f, 1, 2, 3], ShardOf(node), "UnknownSchemaId"),
            (HpcTopology.ReadingKey(node), await Serialize(readings, Reading(node, at, powerWatts: -50)), ShardOf(node), "Invalid"),
            (HpcTopology.ReadingKey("node-999"), await Serialize(readings, Reading("node-999", at, powerWatts: 300)), ShardOf("node-999"), "Invalid"),
            (HpcTopology.JobEventKey("completed"), await Serialize(jobEvents, EndOfUnknownJob(at)), null, "Invalid"),
            (HpcTopology.ReadingKey(node), await Serialize(readings, Reading(node, at, powerWatts: 300)), null, "Unroutable"),
        };
        foreach (var (routingKey, body, headers, _) in bad)
        {
            await channel.BasicPublishAsync(HpcTopology.TelemetryExchange, routingKey, mandatory: true, new BasicProperties { Persistent = true, Headers = headers }, body);
        }

        await run.AssertExactRowsAsync(PipelineApplication.RabbitMQ, log);

        var deadLetters = new List<(string Reason, string Error, string Queue)>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (deadLetters.Count < bad.Length && DateTime.UtcNow < deadline)
        {
            if (await channel.BasicGetAsync(HpcTopology.DeadLetterQueue, autoAck: true) is not { } message)
            {
                await Task.Delay(100);
                continue;
            }

            // The alternate exchange passes a message on as it came: no reason, no source queue.
            string Header(string name) => message.BasicProperties.Headers?.TryGetValue(name, out var value) == true ? Encoding.UTF8.GetString((byte[])value!) : "";
            deadLetters.Add(message.BasicProperties.Headers?.ContainsKey(DeadLetterHeaders.Reason) == true
                ? (Header(DeadLetterHeaders.Reason), Header(DeadLetterHeaders.Error), Header(DeadLetterHeaders.SourceQueue))
                : ("Unroutable", "", message.Exchange));
            log.WriteLine($"dead letter from {deadLetters[^1].Queue}: {deadLetters[^1].Reason}: {deadLetters[^1].Error}");
        }

        Assert.Equal(bad.Select(b => b.Reason).Order(), deadLetters.Select(d => d.Reason).Order());
        Assert.Contains(deadLetters, d => d.Error.Contains("negative", StringComparison.OrdinalIgnoreCase) || d.Error.Contains("-50", StringComparison.Ordinal));
        Assert.Contains(deadLetters, d => d.Error.Contains("node-999", StringComparison.Ordinal));
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

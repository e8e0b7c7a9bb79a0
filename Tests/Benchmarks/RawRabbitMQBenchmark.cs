using System.Diagnostics;
using System.Reflection;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace HpcAspire.Benchmarks;

/// <summary>
/// RabbitMQ.Client alone on the embedded broker (Debian's rabbitmq-server run by the AppHost, nothing else started):
/// N persistent 200 B messages published to a durable queue with confirms, up to <see cref="PublishWindow"/> awaiting
/// their confirm (the application's publisher does the same), then consumed with manual acks (multiple=true every
/// prefetch / 2 and at the end), and again with the consumer running while the messages are published. The consume
/// phase is repeated for several prefetch values on quorum queues, so the application's prefetch can be chosen by
/// measurement; one classic durable queue is measured for comparison. The RabbitMQ application's rate is reported as a
/// fraction of this.
/// </summary>
internal static class RawRabbitMQBenchmark
{
    private const int MessageSize = 200;
    // The RabbitMQ application's reading batches: 500 readings (Messaging:RabbitMQ:RecordsPerMessage) of about 55 B, at
    // prefetches around its batch prefetch (Messaging:RabbitMQ:BatchPrefetch, 64). Fewer of them, for about as many
    // bytes as the small rows.
    private const int BatchMessageSize = 28_000;
    private const int BatchMessagesDivisor = 20;
    private static readonly ushort[] BatchPrefetches = [16, 64, 256];
    private const int PublishWindow = 2_000;
    private static readonly ushort[] Prefetches = [50, 200, 500, 1_000, 2_000];
    private const ushort ClassicPrefetch = 500; // the application's default (Messaging:RabbitMQ:Prefetch), for comparison with its quorum row
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(2);

    public static async Task<int> RunAsync(int messages)
    {
        // "rmqbench" in the path: the broker's processes (beam.smp -home …, epmd) can be found by it if a run crashes.
        var dataDirectory = Path.Combine(Path.GetTempPath(), "hpcaspire-benchmark", $"rmqbench-{Guid.NewGuid():N}");
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.HpcAspire_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = false },
            [
                "Infrastructure:Mode=Embedded", $"Infrastructure:DataDirectory={dataDirectory}", "Application:Transports=RabbitMQ",
                // The AppHost's appsettings.json says Information, which would print every line of the broker's log; and the
                // AMQP health check fails (at Error) until the broker listens, which is expected.
                "Logging:LogLevel:Default=Warning", "Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks=None",
            ]);
        // Logs to stderr: stdout is the markdown table.
        builder.Services.Configure<ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);

        // Only the broker (and its generated user and password): no services, no embedded Kafka or schema registry
        // competing for the two cores.
        foreach (var resource in builder.Resources.Where(r => r.Name != "rabbitmq" && r is not ParameterResource).ToList())
        {
            builder.Resources.Remove(resource);
        }

        var failures = 0;
        await using (var app = await builder.BuildAsync())
        {
            Console.Error.WriteLine("raw-rabbitmq: starting the embedded rabbitmq-server …");
            try
            {
                await BoundedStart.StartAsync(app, ["rabbitmq"], BoundedStart.BrokerTimeout,
                    $"the broker's files (erl_crash.dump if its VM died) in {Path.Combine(dataDirectory, "rabbitmq")}; is rabbitmq-server installed?");
            }
            catch (ResourceNotReadyException failure)
            {
                BoundedStart.ReportAndBoundTeardown(failure);
                return 1;
            }

            var factory = new ConnectionFactory { Uri = new Uri((await app.GetConnectionStringAsync("rabbitmq"))!), AutomaticRecoveryEnabled = false };
            // Publisher and consumer on connections of their own: the broker's flow control blocks a publishing connection.
            await using var publishing = await factory.CreateConnectionAsync("raw-benchmark-publisher");
            await using var consuming = await factory.CreateConnectionAsync("raw-benchmark-consumer");
            var version = publishing.ServerProperties?["version"] is byte[] v ? System.Text.Encoding.UTF8.GetString(v) : "?";
            var payload = new byte[MessageSize];
            Random.Shared.NextBytes(payload);

            Console.Error.WriteLine("raw-rabbitmq: warm-up (10,000 messages, not reported)");
            await RunSequentialAsync(publishing, consuming, "quorum", Math.Min(messages, 10_000), 500, payload);

            Console.WriteLine($"raw: {messages:N0} persistent messages of {MessageSize} B (and {messages / BatchMessagesDivisor:N0} of {BatchMessageSize:N0} B, " +
                              $"the application's batch of 500 readings), publisher confirms with {PublishWindow:N0} in flight, " +
                              $"manual acks (multiple=true every prefetch / 2), RabbitMQ {version} embedded, RabbitMQ.Client {ClientVersion()}");
            Console.WriteLine();
            Console.WriteLine("| queue | message | prefetch | ack every | publish msg/s | consume msg/s | publish-then-consume msg/s | concurrent end-to-end msg/s |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");

            foreach (var (queueType, prefetch) in Prefetches.Select(p => ("quorum", p)).Append(("classic", ClassicPrefetch)))
            {
                var (row, ok) = await RunRowAsync(publishing, consuming, queueType, messages, prefetch, payload);
                Console.WriteLine(row);
                failures += ok ? 0 : 1;
            }

            var batch = new byte[BatchMessageSize];
            Random.Shared.NextBytes(batch);
            foreach (var prefetch in BatchPrefetches)
            {
                var (batchRow, batchOk) = await RunRowAsync(publishing, consuming, "quorum", messages / BatchMessagesDivisor, prefetch, batch);
                Console.WriteLine(batchRow);
                failures += batchOk ? 0 : 1;
            }
        }

        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up with the rest of /tmp.
        }

        return failures == 0 ? 0 : 1;
    }

    private static async Task<(string Row, bool Ok)> RunRowAsync(
        IConnection publishing, IConnection consuming, string queueType, int messages, ushort prefetch, byte[] payload)
    {
        Console.Error.WriteLine($"raw-rabbitmq: {queueType}, prefetch {prefetch}: publish then consume {messages:N0}");
        var sequential = await RunSequentialAsync(publishing, consuming, queueType, messages, prefetch, payload);
        Console.Error.WriteLine($"raw-rabbitmq: {queueType}, prefetch {prefetch}: publish and consume {messages:N0} at the same time");
        var concurrent = await RunConcurrentAsync(publishing, consuming, queueType, messages, prefetch, payload);

        var publishRate = messages / sequential.Publish.TotalSeconds;
        var consumeRate = sequential.Consumed / sequential.Consume.TotalSeconds;
        var throughRate = sequential.Consumed / (sequential.Publish + sequential.Consume).TotalSeconds;
        var endToEndRate = concurrent.Consumed / concurrent.Elapsed.TotalSeconds;
        var ok = sequential.Failed == 0 && sequential.Consumed == messages && concurrent.Failed == 0 && concurrent.Consumed == messages;
        var problems = ok ? "" : $" (failed publishes {sequential.Failed + concurrent.Failed}, consumed {sequential.Consumed:N0} and {concurrent.Consumed:N0} of {messages:N0})";
        var row = $"| {queueType} | {payload.Length:N0} B | {prefetch:N0} | {AckEvery(prefetch):N0} | {publishRate:N0} | {consumeRate:N0} | {throughRate:N0} | {endToEndRate:N0}{problems} |";
        return (row, ok);
    }

    /// <summary>Publishes all messages (until every confirm is in), then consumes them all.</summary>
    private static async Task<(TimeSpan Publish, TimeSpan Consume, long Failed, long Consumed)> RunSequentialAsync(
        IConnection publishing, IConnection consuming, string queueType, int messages, ushort prefetch, byte[] payload)
    {
        var queue = await DeclareAsync(publishing, queueType);
        try
        {
            var publish = Stopwatch.StartNew();
            var failed = await PublishAsync(publishing, queue, messages, payload);
            publish.Stop();

            var consume = Stopwatch.StartNew();
            var consumed = await ConsumeAsync(consuming, queue, messages, prefetch, started: null);
            consume.Stop();
            return (publish.Elapsed, consume.Elapsed, failed, consumed);
        }
        finally
        {
            await DeleteAsync(publishing, queue);
        }
    }

    /// <summary>Starts the consumer on the empty queue, then publishes: the time until the last message is consumed.</summary>
    private static async Task<(TimeSpan Elapsed, long Failed, long Consumed)> RunConcurrentAsync(
        IConnection publishing, IConnection consuming, string queueType, int messages, ushort prefetch, byte[] payload)
    {
        var queue = await DeclareAsync(publishing, queueType);
        try
        {
            var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = ConsumeAsync(consuming, queue, messages, prefetch, subscribed);
            await subscribed.Task;
            var elapsed = Stopwatch.StartNew();
            var failed = await PublishAsync(publishing, queue, messages, payload);
            var consumed = await consumer;
            elapsed.Stop();
            return (elapsed.Elapsed, failed, consumed);
        }
        finally
        {
            await DeleteAsync(publishing, queue);
        }
    }

    private static async Task<string> DeclareAsync(IConnection connection, string queueType)
    {
        await using var channel = await connection.CreateChannelAsync();
        var queue = $"raw-{queueType}-{Guid.NewGuid():N}";
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = queueType });
        return queue;
    }

    private static async Task DeleteAsync(IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
    }

    /// <summary>
    /// Persistent, mandatory publishes through the default exchange on one confirm channel, at most
    /// <see cref="PublishWindow"/> awaiting their confirm; returns once all are confirmed, with the number that failed.
    /// </summary>
    private static async Task<long> PublishAsync(IConnection connection, string queue, int messages, byte[] payload)
    {
        // No client rate limiter: the window below bounds the confirms in flight, as in the application's publisher.
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: null));
        var properties = new BasicProperties { Persistent = true };
        using var window = new SemaphoreSlim(PublishWindow, PublishWindow);
        long failed = 0;
        for (var i = 0; i < messages; i++)
        {
            await window.WaitAsync();
            ValueTask confirm;
            try
            {
                // Not awaited here: the task completes at the broker's confirm.
                confirm = channel.BasicPublishAsync(exchange: "", routingKey: queue, mandatory: true, properties, payload);
            }
            catch (Exception ex)
            {
                confirm = ValueTask.FromException(ex);
            }

            _ = AwaitConfirmAsync(confirm);
        }

        // Every permit back: nothing is awaiting its confirm.
        for (var taken = 0; taken < PublishWindow; taken++)
        {
            await window.WaitAsync();
        }

        return Interlocked.Read(ref failed);

        async Task AwaitConfirmAsync(ValueTask confirm)
        {
            try
            {
                await confirm;
            }
            catch (Exception)
            {
                Interlocked.Increment(ref failed);
            }
            finally
            {
                window.Release();
            }
        }
    }

    /// <summary>
    /// Consumes until <paramref name="messages"/> have arrived (or <see cref="PhaseTimeout"/>), acking with multiple=true
    /// every <see cref="AckEvery"/> deliveries and at the last one; returns how many arrived.
    /// </summary>
    private static async Task<long> ConsumeAsync(IConnection connection, string queue, int messages, ushort prefetch, TaskCompletionSource? started)
    {
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: prefetch, global: false);
        var ackEvery = AckEvery(prefetch);
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long count = 0;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            // One delivery at a time (the channel's default dispatch concurrency of 1).
            var received = ++count;
            if (received % ackEvery == 0 || received == messages)
            {
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: true);
            }

            if (received == messages)
            {
                all.TrySetResult();
            }
        };
        var tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        started?.TrySetResult();
        try
        {
            await all.Task.WaitAsync(PhaseTimeout);
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine($"raw-rabbitmq: only {Volatile.Read(ref count):N0} of {messages:N0} consumed from {queue} within {PhaseTimeout.TotalSeconds:0} s");
        }

        await channel.BasicCancelAsync(tag);
        return Volatile.Read(ref count);
    }

    private static string ClientVersion() =>
        typeof(IChannel).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?";

    /// <summary>Half the prefetch: the broker always has the other half of the window to keep delivering into.</summary>
    private static int AckEvery(ushort prefetch) => Math.Max(1, prefetch / 2);
}

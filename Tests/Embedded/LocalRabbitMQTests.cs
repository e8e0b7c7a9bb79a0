using System.Diagnostics;
using System.Text;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace HpcAspire.Tests.Embedded;

[Trait(TestKinds.Trait, TestKinds.EndToEnd)]
public class LocalRabbitMQTests
{
    [Fact]
    public async Task The_local_server_confirms_publishes_delivers_them_and_leaves_no_erlang_process_behind()
    {
        var dataDirectory = TestDirectories.Create("rabbitmq");
        var app = await AppHostFactory.StartEmbeddedAsync(["rabbitmq"], "Application:Transports=RabbitMQ", $"Infrastructure:DataDirectory={dataDirectory}");
        string epmdPort;
        try
        {
            var rabbitmq = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "rabbitmq");
            epmdPort = (await ResourceConfiguration.EnvironmentAsync(rabbitmq))["RMQ_EPMD_PORT"];
            var connectionString = await app.GetConnectionStringAsync("rabbitmq");
            Assert.StartsWith("amqp://", connectionString);
            Assert.Contains("@127.0.0.1:", connectionString);

            await PublishWithConfirmsAndConsumeAsync(connectionString!, count: 1_000);
            Assert.NotEmpty(ErlangProcessesOf(dataDirectory, epmdPort));
        }
        finally
        {
            await app.DisposeAsync();
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (ErlangProcessesOf(dataDirectory, epmdPort).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.Empty(ErlangProcessesOf(dataDirectory, epmdPort));
    }

    private static async Task PublishWithConfirmsAndConsumeAsync(string connectionString, int count)
    {
        var factory = new ConnectionFactory { Uri = new Uri(connectionString) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var queue = $"test-{Guid.NewGuid():N}";
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });

        // Many publishes in flight; each task completes when the broker confirms that message.
        var confirms = Enumerable.Range(0, count).Select(i => channel.BasicPublishAsync(
            exchange: "", routingKey: queue, mandatory: true,
            basicProperties: new BasicProperties { Persistent = true }, body: Encoding.UTF8.GetBytes($"reading {i}")).AsTask());
        await Task.WhenAll(confirms);

        var received = new List<string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            received.Add(Encoding.UTF8.GetString(delivery.Body.Span));
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (received.Count == count)
            {
                all.TrySetResult();
            }
        };
        await channel.BasicQosAsync(0, 100, false);
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        await all.Task.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(Enumerable.Range(0, count).Select(i => $"reading {i}"), received);
    }

    [Fact]
    public async Task A_start_that_times_out_names_what_was_not_healthy_and_stops_what_it_started()
    {
        var dataDirectory = TestDirectories.Create("rabbitmq");
        const string sleeper = "613.25"; // a sleep no other process runs
        var failed = await Assert.ThrowsAsync<TimeoutException>(() => AppHostFactory.StartBrokersOnlyAsync(
            ["rabbitmq", "never-healthy"], TimeSpan.FromSeconds(45),
            builder =>
            {
                // A process that runs but whose health check never passes, like a service stuck at start.
                builder.Services.AddHealthChecks().AddCheck("never-healthy-check", () => HealthCheckResult.Unhealthy("made up for this test"));
                builder.AddExecutable("never-healthy", "sleep", Path.GetTempPath(), sleeper).WithHealthCheck("never-healthy-check");
            },
            $"Infrastructure:DataDirectory={dataDirectory}"));

        // The error says which resource did not get there; a test after this one must find neither process running.
        Assert.Contains("did not get rabbitmq, never-healthy healthy within 45 s", failed.Message);
        Assert.Contains("rabbitmq Running Healthy", failed.Message);
        Assert.Contains("never-healthy Running Unhealthy", failed.Message);
        Assert.Empty(ErlangProcessesOf(dataDirectory, epmdPort: "none"));
        Assert.DoesNotContain(Process.GetProcessesByName("sleep"), process => CommandLineOf(process) == $"sleep {sleeper} ");
    }

    private static string CommandLineOf(Process process)
    {
        try
        {
            return File.ReadAllText($"/proc/{process.Id}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>beam.smp runs with -home under the data directory; the private epmd with -port.</summary>
    private static List<string> ErlangProcessesOf(string dataDirectory, string epmdPort)
    {
        var found = new List<string>();
        foreach (var process in Process.GetProcesses())
        {
            string commandLine;
            try
            {
                commandLine = CommandLineOf(process);
                if (File.ReadAllText($"/proc/{process.Id}/stat").Split(' ')[2] == "Z")
                {
                    continue; // a zombie holds no port and no file
                }
            }
            catch (IOException)
            {
                continue;
            }

            var isOurs = (process.ProcessName == "beam.smp" && commandLine.Contains(dataDirectory))
                         || (process.ProcessName == "epmd" && commandLine.Contains($"-port {epmdPort}"));
            if (isOurs)
            {
                found.Add($"{process.Id} {commandLine}");
            }
        }

        return found;
    }
}

[Trait(TestKinds.Trait, TestKinds.EndToEnd)]
public class MissingRabbitMQTests
{
    [Fact]
    public async Task Without_rabbitmq_server_the_resource_fails_with_the_install_hint_and_kafka_still_runs()
    {
        // The brokers alone: the RabbitMQ application's services would wait for ever for the broker that cannot start.
        await using var app = await AppHostFactory.StartBrokersOnlyAsync(["kafka"], "RabbitMQ:ServerPath=/nonexistent/rabbitmq-server");

        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        var exited = await notifications.WaitForResourceAsync("rabbitmq",
            e => e.Snapshot.State?.Text is "Exited" or "FailedToStart" or "Finished").WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, exited.Snapshot.ExitCode);

        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await foreach (var batch in logs.WatchAsync(exited.ResourceId).WithCancellation(timeout.Token))
            {
                lines.AddRange(batch.Select(line => line.Content));
                if (lines.Any(line => line.Contains("apt-get install -y rabbitmq-server")))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The install hint never reached the resource's log (state {exited.Snapshot.State?.Text}, exit {exited.Snapshot.ExitCode}). It has:\n{string.Join("\n", lines)}");
        }

        Assert.Contains(lines, line => line.Contains("rabbitmq-server is not installed: /nonexistent/rabbitmq-server does not exist"));
        Assert.NotNull(await app.GetConnectionStringAsync("kafka"));
    }
}

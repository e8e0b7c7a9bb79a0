using Confluent.SchemaRegistry;
using HpcAspire.Messaging.RabbitMQ;
using HpcAspire.Tests.SchemaRegistry;
using HpcAspire.Tests.Support;
using HpcAspire.Tests.Tracing;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace HpcAspire.Tests.Sink;

/// <summary>
/// The RabbitMQ sink makes a live stream's rows durable as soon as its input pauses (<c>Sink:IdleCheckpoint</c>),
/// not after <c>Sink:BatchInterval</c>: here the interval is ten minutes, and a lone job energy must still be in its
/// CSV file and acked within seconds. With the idle checkpoint off, the same message stays unacked, and the broker
/// has it back when the sink stops. The sink's real code on Debian's rabbitmq-server.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.EndToEnd)]
public sealed class RabbitMQSinkIdleCheckpointTests(ITestOutputHelper log)
{
    [Fact]
    public async Task A_lone_result_is_written_and_acked_once_the_input_pauses_not_after_the_batch_interval()
    {
        await using var brokers = await AppHostFactory.StartBrokersOnlyAsync();
        var rabbitmq = (await brokers.GetConnectionStringAsync("rabbitmq"))!;
        using var registryData = new TemporaryDirectory();
        await using var registry = SchemaRegistryServer.Start(registryData.Path);
        using var registryClient = new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = registry.Url.ToString() });
        await using var connection = await new ConnectionFactory { Uri = new Uri(rabbitmq) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var output = TestDirectories.Create("rabbitmq-sink-idle");

        // Idle checkpoint off: the message is handled but waits for the ten-minute interval, unacked.
        await using (var sink = await StartSinkAsync(rabbitmq, registry, output, "Sink:IdleCheckpoint=00:00:00"))
        {
            await PublishEnergyAsync(channel, registryClient, job: 1);
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Empty(new SinkOutput(output).Rows(PipelineRun.Energy));
        }

        var returned = await WaitForReadyMessagesAsync(channel, 1);
        log.WriteLine($"With the idle checkpoint off: {returned} message back in {HpcTopology.SinkQueue} after the sink stopped");
        Assert.Equal(1u, returned);

        // The default idle checkpoint (5 ms): the redelivered message and a new one are durable and acked within seconds.
        await using (var sink = await StartSinkAsync(rabbitmq, registry, output))
        {
            await PublishEnergyAsync(channel, registryClient, job: 2);
            Assert.True(await new SinkOutput(output).WaitForRowsAsync(PipelineRun.Energy, 2, TimeSpan.FromSeconds(10)),
                $"{new SinkOutput(output).Rows(PipelineRun.Energy).Count} of 2 energy rows written 10 s after the second message, with a ten-minute interval.");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        // Both were acked before the sink stopped: nothing came back to the queue.
        Assert.Equal(0u, await WaitForReadyMessagesAsync(channel, 1, TimeSpan.FromSeconds(3)));
        Assert.Equal(2, new SinkOutput(output).Rows(PipelineRun.Energy).Count);
    }

    /// <summary>The queue's ready messages once they reach <paramref name="expected"/>, or when <paramref name="timeout"/> (10 s) is up.</summary>
    private static async Task<uint> WaitForReadyMessagesAsync(IChannel channel, uint expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var ready = (await channel.QueueDeclarePassiveAsync(HpcTopology.SinkQueue)).MessageCount;
            if (ready >= expected || DateTime.UtcNow >= deadline)
            {
                return ready;
            }

            await Task.Delay(100);
        }
    }

    private static async Task<AsyncHost> StartSinkAsync(string rabbitmq, SchemaRegistryServer registry, string output, params string[] settings)
    {
        var host = InProcessServices.Build(b => b.AddSink(), "HpcAspire.Sink", "", registry.Url.ToString(),
            [$"ConnectionStrings:rabbitmq={rabbitmq}", "Messaging:Transport=RabbitMQ", $"Sink:OutputDirectory={output}",
             "Sink:BatchInterval=00:10:00", "Sink:BatchSize=1000000", .. settings]);
        await host.StartAsync();
        return new AsyncHost(host);
    }

    private static async Task PublishEnergyAsync(IChannel channel, ISchemaRegistryClient registry, int job)
    {
        var energy = SampleResults.Energy(job);
        var body = SampleResults.Serialize(registry, "job-energy", energy);
        await channel.BasicPublishAsync(HpcTopology.ResultsExchange, HpcTopology.JobEnergyKey(energy.JobId), mandatory: true,
            new BasicProperties { Persistent = true }, body);
    }

    private sealed class AsyncHost(IHost host) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}

using System.Diagnostics;
using HpcAspire.Messaging;
using HpcAspire.Messaging.RabbitMQ;
using HpcAspire.Tests.SchemaRegistry;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;
using static HpcAspire.Tests.Tracing.SpanTree;
using Xunit.Abstractions;

namespace HpcAspire.Tests.Tracing;

/// <summary>
/// The same trace over RabbitMQ: the services' real code with their RabbitMQ adapters, real AMQP hops through
/// Debian's rabbitmq-server, the trace context carried only in message headers, spans captured in memory.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.EndToEnd)]
public sealed class RabbitMQReadingTraceTests(ITestOutputHelper log)
{
    private static readonly string[] Sources = [RabbitMQTelemetry.ActivitySourceName, "HpcAspire.Processor", "HpcAspire.Sink"];

    [Fact]
    public async Task A_readings_trace_runs_from_the_generators_send_through_the_processor_to_the_sinks_write()
    {
        var collected = new CollectedSpans();
        using var tracerProvider = Sdk.CreateTracerProviderBuilder().AddSource(Sources).AddInMemoryExporter(collected).Build();
        await using var brokers = await AppHostFactory.StartBrokersOnlyAsync();
        var rabbitmq = (await brokers.GetConnectionStringAsync("rabbitmq"))!;
        using var registryData = new TemporaryDirectory();
        await using var registry = SchemaRegistryServer.Start(registryData.Path);

        var output = TestDirectories.Create("tracing-rabbitmq-sink");
        var state = TestDirectories.Create("tracing-rabbitmq-processor");
        string[] common = [$"ConnectionStrings:rabbitmq={rabbitmq}", "Messaging:Transport=RabbitMQ"];
        string[] simulation = [.. common, "Cluster:NodeCount=2", "Cluster:Seed=5", "Cluster:StartTime=2026-01-01T00:00:00Z", "Generator:TicksPerSecond=20", "Generator:MaxTicks=40"];
        IHost[] services =
        [
            InProcessServices.Build(b => b.AddSink(), "HpcAspire.Sink", "", registry.Url.ToString(), [.. common, $"Sink:OutputDirectory={output}"]),
            InProcessServices.Build(b => b.AddProcessor(), "HpcAspire.Processor", "", registry.Url.ToString(), [.. simulation, $"Processor:StateDirectory={state}"]),
            InProcessServices.Build(b => b.AddGenerator(), "HpcAspire.Generator", "", registry.Url.ToString(), [.. simulation, "Generator:Stream=JobEvents"]),
            InProcessServices.Build(b => b.AddGenerator(), "HpcAspire.Generator", "", registry.Url.ToString(), [.. simulation, "Generator:Stream=NodeReadings"]),
        ];
        foreach (var service in services)
        {
            await service.StartAsync();
        }

        try
        {
            var write = await WaitForAsync(() =>
            {
                var spans = collected.Snapshot();
                return spans.FirstOrDefault(s => s.DisplayName == PipelineStages.Write && RootOf(spans, s) is { } root
                    && root.DisplayName == $"send {HpcTopology.TelemetryExchange}" && (string?)root.GetTagItem(MessagingAttributes.RabbitMQRoutingKey) is { } key
                    && key.StartsWith("readings.shard-", StringComparison.Ordinal));
            }, TimeSpan.FromSeconds(90));
            Assert.True(write is not null, $"No sink write traced back to a generator's send among {collected.Count} spans: " +
                                           string.Join(", ", collected.Snapshot().Select(s => s.DisplayName).Distinct()));

            var trace = collected.Snapshot().Where(s => s.TraceId == write!.TraceId).ToList();
            foreach (var span in trace.OrderBy(s => s.StartTimeUtc))
            {
                log.WriteLine($"{span.StartTimeUtc:HH:mm:ss.ffffff} {span.Kind,-8} {span.DisplayName,-26} {span.Duration.TotalMilliseconds,8:F3} ms parent={span.ParentSpanId}");
            }

            // generator: send hpc.telemetry (Producer, root) → serialize
            var send = Assert.Single(trace, s => s.DisplayName == $"send {HpcTopology.TelemetryExchange}");
            Assert.Equal(ActivityKind.Producer, send.Kind);
            Assert.Equal(default, send.ParentSpanId);
            AssertMessaging(send, HpcTopology.TelemetryExchange, "send");
            Assert.StartsWith("readings.shard-", (string)send.GetTagItem(MessagingAttributes.RabbitMQRoutingKey)!); // a batch of one shard's readings
            Assert.True((int)send.GetTagItem(MessagingAttributes.BodySize)! > 5);
            AssertChild(trace, send, PipelineStages.Serialize);

            // processor: process readings.shard-N (Consumer) → deserialize; send hpc.results (Producer) → serialize
            var process = Assert.Single(trace, s => s.DisplayName.StartsWith("process readings.shard-", StringComparison.Ordinal));
            Assert.Equal(ActivityKind.Consumer, process.Kind);
            Assert.Equal(send.SpanId, process.ParentSpanId);
            Assert.Equal("processor", process.GetTagItem(MessagingAttributes.ConsumerGroupName));
            Assert.NotNull(process.GetTagItem(MessagingAttributes.RabbitMQDeliveryTag));
            AssertMessaging(process, process.DisplayName["process ".Length..], "process");
            AssertChild(trace, process, PipelineStages.Deserialize);

            var enriched = Assert.Single(trace, s => s.DisplayName == $"send {HpcTopology.ResultsExchange}");
            Assert.Equal(ActivityKind.Producer, enriched.Kind);
            Assert.Equal(process.SpanId, enriched.ParentSpanId);
            Assert.StartsWith(HpcTopology.EnrichedReadingKeyPrefix, (string)enriched.GetTagItem(MessagingAttributes.RabbitMQRoutingKey)!);
            AssertChild(trace, enriched, PipelineStages.Serialize);

            // sink: process sink.results (Consumer) → deserialize, write
            var sink = Assert.Single(trace, s => s.DisplayName == $"process {HpcTopology.SinkQueue}");
            Assert.Equal(ActivityKind.Consumer, sink.Kind);
            Assert.Equal(enriched.SpanId, sink.ParentSpanId);
            Assert.Equal("sink", sink.GetTagItem(MessagingAttributes.ConsumerGroupName));
            AssertChild(trace, sink, PipelineStages.Deserialize);
            Assert.Equal(sink.SpanId, write!.ParentSpanId);

            Assert.All(trace, span => Assert.True(span.Duration > TimeSpan.Zero, $"{span.DisplayName} has no duration"));
            Assert.True(send.StartTimeUtc <= process.StartTimeUtc && process.StartTimeUtc <= enriched.StartTimeUtc && enriched.StartTimeUtc <= sink.StartTimeUtc,
                "The hops' spans start in the order the reading travels.");
        }
        finally
        {
            foreach (var service in services.Reverse())
            {
                await service.StopAsync();
                service.Dispose();
            }
        }
    }

    private static void AssertMessaging(Activity span, string destination, string operation) =>
        SpanTree.AssertMessaging(span, "rabbitmq", destination, operation);
}

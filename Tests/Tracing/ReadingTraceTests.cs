using System.Diagnostics;
using HpcAspire.AppHost.Infrastructure.Kafka.Embedded;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Tests.SchemaRegistry;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;
using static HpcAspire.Tests.Tracing.SpanTree;
using Xunit.Abstractions;

namespace HpcAspire.Tests.Tracing;

/// <summary>
/// One reading's trace, from the generator's send through the processor to the sink's write, as the
/// services' real code emits it over real Kafka hops, captured by an in-memory exporter.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.EndToEnd)]
public sealed class ReadingTraceTests(ITestOutputHelper log)
{
    private static readonly string[] Sources = [KafkaTracing.ActivitySourceName, "HpcAspire.Processor", "HpcAspire.Sink"];

    [Fact]
    public async Task A_readings_trace_runs_from_the_generators_send_through_the_processor_to_the_sinks_write()
    {
        var collected = new CollectedSpans();
        using var tracerProvider = Sdk.CreateTracerProviderBuilder().AddSource(Sources).AddInMemoryExporter(collected).Build();
        using var cluster = new MockKafkaCluster(log: (_, _, _) => { });
        var bootstrapServers = cluster.Start(3);
        foreach (var (topic, partitions) in (ReadOnlySpan<(string, int)>)[
                     ("node-readings", 6), ("job-events", 3), ("enriched-readings", 6), ("job-energy", 3), ("job-energy-parts", 3), ("processor-state", 6), ("dead-letters", 1)])
        {
            cluster.CreateTopic(topic, partitions, 3);
        }

        using var registryData = new TemporaryDirectory();
        await using var registry = SchemaRegistryServer.Start(registryData.Path);
        var output = TestDirectories.Create("tracing-sink");
        string[] simulation = ["Cluster:NodeCount=2", "Cluster:Seed=5", "Cluster:StartTime=2026-01-01T00:00:00Z", "Generator:TicksPerSecond=20", "Generator:MaxTicks=40"];
        IHost[] services =
        [
            InProcessServices.Build(b => b.AddSink(), "HpcAspire.Sink", bootstrapServers, registry.Url.ToString(), $"Sink:OutputDirectory={output}"),
            InProcessServices.Build(b => b.AddProcessor(), "HpcAspire.Processor", bootstrapServers, registry.Url.ToString(), [.. simulation]),
            InProcessServices.Build(b => b.AddGenerator(), "HpcAspire.Generator", bootstrapServers, registry.Url.ToString(), [.. simulation, "Generator:Stream=JobEvents"]),
            InProcessServices.Build(b => b.AddGenerator(), "HpcAspire.Generator", bootstrapServers, registry.Url.ToString(), [.. simulation, "Generator:Stream=NodeReadings"]),
        ];
        foreach (var service in services)
        {
            await service.StartAsync();
        }

        try
        {
            var write = await WaitForAsync(() =>
            {
                // A sink write whose trace goes back to a generator's send: the whole way is in.
                var spans = collected.Snapshot();
                return spans.FirstOrDefault(s => s.DisplayName == PipelineStages.Write && RootOf(spans, s)?.DisplayName == "send node-readings");
            }, TimeSpan.FromSeconds(90));
            Assert.True(write is not null, $"No sink write traced back to a generator's send among {collected.Count} spans: " +
                                           string.Join(", ", collected.Snapshot().Select(s => s.DisplayName).Distinct()));

            var trace = collected.Snapshot().Where(s => s.TraceId == write!.TraceId).ToList();

            foreach (var span in trace.OrderBy(s => s.StartTimeUtc))
            {
                log.WriteLine($"{span.StartTimeUtc:HH:mm:ss.ffffff} {span.Kind,-8} {span.DisplayName,-26} {span.Duration.TotalMilliseconds,8:F3} ms parent={span.ParentSpanId}");
            }

            // generator: send node-readings (Producer, root) → serialize
            var send = Assert.Single(trace, s => s.DisplayName == "send node-readings");
            Assert.Equal(ActivityKind.Producer, send.Kind);
            Assert.Equal(default, send.ParentSpanId);
            AssertMessaging(send, "node-readings", "send");
            Assert.NotNull(send.GetTagItem(MessagingAttributes.KafkaMessageKey));
            Assert.NotNull(send.GetTagItem(MessagingAttributes.PartitionId));
            Assert.NotNull(send.GetTagItem(MessagingAttributes.KafkaOffset));
            AssertChild(trace, send, PipelineStages.Serialize);

            // processor: process node-readings (Consumer) → deserialize, join; send enriched-readings (Producer) → serialize
            var process = Assert.Single(trace, s => s.DisplayName == "process node-readings");
            Assert.Equal(ActivityKind.Consumer, process.Kind);
            Assert.Equal(send.SpanId, process.ParentSpanId);
            AssertMessaging(process, "node-readings", "process");
            Assert.Equal(send.GetTagItem(MessagingAttributes.KafkaOffset), process.GetTagItem(MessagingAttributes.KafkaOffset));
            Assert.Equal(send.GetTagItem(MessagingAttributes.PartitionId), process.GetTagItem(MessagingAttributes.PartitionId));
            Assert.True((int)process.GetTagItem(MessagingAttributes.BodySize)! > 0);
            Assert.Equal("processor", process.GetTagItem(MessagingAttributes.ConsumerGroupName));
            AssertChild(trace, process, PipelineStages.Deserialize);
            AssertChild(trace, process, PipelineStages.Join);

            var enriched = Assert.Single(trace, s => s.DisplayName == "send enriched-readings");
            Assert.Equal(ActivityKind.Producer, enriched.Kind);
            Assert.Equal(process.SpanId, enriched.ParentSpanId);
            AssertMessaging(enriched, "enriched-readings", "send");
            AssertChild(trace, enriched, PipelineStages.Serialize);

            // sink: process enriched-readings (Consumer) → deserialize, write
            var sink = Assert.Single(trace, s => s.DisplayName == "process enriched-readings");
            Assert.Equal(ActivityKind.Consumer, sink.Kind);
            Assert.Equal(enriched.SpanId, sink.ParentSpanId);
            AssertMessaging(sink, "enriched-readings", "process");
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
        SpanTree.AssertMessaging(span, "kafka", destination, operation);
}

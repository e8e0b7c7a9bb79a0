using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Confluent.Kafka;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace HpcAspire.Tests.Messaging;

/// <summary>
/// Messages of unsampled traces are handled without spans when the sampler follows the parent, and carry their
/// context on unchanged; everything else still goes through spans and the propagator.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class KafkaTracingTests : IDisposable
{
    private const string Unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    private const string Sampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<Activity> _started = [];
    private readonly ActivityListener _listener;

    public KafkaTracingTests()
    {
        // What every service's OpenTelemetry SDK sets up (W3C trace context and baggage), whichever test touched the SDK first.
        Sdk.SetDefaultTextMapPropagator(new CompositeTextMapPropagator([new TraceContextPropagator(), new BaggagePropagator()]));

        // As the OpenTelemetry SDK under a parent-based sampler: a child of an unsampled parent is created for its
        // context only (PropagationData), a child of a sampled one is recorded.
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == KafkaTracing.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) || options.Parent == default
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.PropagationData,
            ActivityStarted = activity =>
            {
                lock (_started)
                {
                    _started.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Theory]
    [InlineData(Unsampled, true)]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-02", true)]
    [InlineData(Sampled, false)]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03", false)]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-00", false)] // invalid trace id
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-00", false)] // invalid span id
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-00", false)] // upper case is not W3C
    [InlineData("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", false)] // another version: the propagator's call
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0", false)]
    [InlineData("00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", false)]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g", false)]
    [InlineData("", false)]
    public void A_traceparent_is_unsampled_only_when_valid_and_its_sampled_flag_is_clear(string traceparent, bool unsampled) =>
        Assert.Equal(unsampled, MessageTracing.IsUnsampled(Encoding.UTF8.GetBytes(traceparent)));

    [Theory]
    [InlineData(null, true)] // the SDK's default: parent-based, always on
    [InlineData("", true)]
    [InlineData("parentbased_traceidratio", true)]
    [InlineData("parentbased_always_on", true)]
    [InlineData(" ParentBased_Always_Off ", true)]
    [InlineData("always_off", true)]
    [InlineData("always_on", false)]
    [InlineData("traceidratio", false)]
    public void Only_samplers_that_follow_the_parent_let_it_decide(string? sampler, bool parentDecides) =>
        Assert.Equal(parentDecides, MessageTracing.ParentDecides(sampler));

    [Fact]
    public void The_traceparent_written_as_bytes_is_the_one_the_propagator_writes()
    {
        var propagator = new TraceContextPropagator();
        for (var i = 0; i < 1_000; i++)
        {
            var context = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(),
                i % 2 == 0 ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None);
            string? written = null;
            propagator.Inject(new PropagationContext(context, default), this, (_, name, value) => written = name == "traceparent" ? value : written);

            Assert.Equal(written, Encoding.UTF8.GetString(MessageTracing.TraceParent(context)));
        }
    }

    [Fact]
    public void A_send_span_without_trace_state_or_baggage_writes_its_traceparent_alone()
    {
        var message = new Message<string, byte[]> { Key = "node-0001", Value = [] };

        using var send = KafkaTracing.StartSend("node-readings", message);

        Assert.NotNull(send);
        var header = Assert.Single(message.Headers);
        Assert.Equal(KafkaTracing.TraceParentHeader, header.Key);
        Assert.Equal($"00-{send.TraceId}-{send.SpanId}-01", Encoding.UTF8.GetString(header.GetValueBytes()));
    }

    [Fact]
    public void A_message_of_an_unsampled_trace_gets_no_span_and_hands_its_traceparent_on()
    {
        var tracing = new KafkaTracing(Stages(), parentDecides: true);
        Baggage.SetBaggage("left-over", "from an earlier message");

        var activity = tracing.StartProcess(Received(Unsampled), "group", out var unsampled);

        Assert.Null(activity);
        Assert.Empty(_started);
        Assert.Equal(Unsampled, Encoding.UTF8.GetString(unsampled!));
        Assert.Empty(Baggage.Current.GetBaggage());

        var result = new Message<string?, byte[]> { Key = "node-0001", Headers = [new Header(KafkaTracing.TraceParentHeader, Encoding.UTF8.GetBytes(Sampled))] };
        KafkaTracing.ContinueUnsampled(result, unsampled!);
        Assert.True(result.Headers.TryGetLastBytes(KafkaTracing.TraceParentHeader, out var carried));
        Assert.Equal(Unsampled, Encoding.UTF8.GetString(carried));
        Assert.Single(result.Headers); // replaced, not added beside
    }

    [Fact]
    public void A_message_of_a_sampled_trace_gets_its_process_span_as_the_child_of_the_sender()
    {
        var tracing = new KafkaTracing(Stages(), parentDecides: true);

        using var activity = tracing.StartProcess(Received(Sampled), "group", out var unsampled);

        Assert.Null(unsampled);
        Assert.NotNull(activity);
        Assert.True(activity.Recorded);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", activity.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", activity.ParentSpanId.ToHexString());
    }

    [Theory]
    [InlineData(false, "tracestate", null)] // a sampler that decides afresh may record the child
    [InlineData(true, "tracestate", "vendor=value")] // state only the propagator carries on
    [InlineData(true, "baggage", "tenant=hpc")]
    public void An_unsampled_message_still_gets_its_span_when_a_sampler_or_header_needs_the_propagator(bool parentDecides, string header, string? value)
    {
        var tracing = new KafkaTracing(Stages(), parentDecides);
        var message = Received(Unsampled);
        if (value is not null)
        {
            message.Message.Headers.Add(header, Encoding.UTF8.GetBytes(value));
        }

        using var activity = tracing.StartProcess(message, "group", out var unsampled);

        Assert.Null(unsampled);
        Assert.NotNull(activity);
        Assert.False(activity.Recorded);
        Assert.Equal("b7ad6b7169203331", activity.ParentSpanId.ToHexString());
        Assert.Single(_started);
        if (header == "baggage" && value is not null)
        {
            Assert.Equal("hpc", Baggage.Current.GetBaggage("tenant"));
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        Baggage.Current = default;
        _services.Dispose();
    }

    private PipelineStages Stages() => new(_services.GetRequiredService<IMeterFactory>());

    private static ConsumeResult<string?, byte[]> Received(string traceparent) => new()
    {
        Topic = "node-readings",
        Partition = new Partition(0),
        Offset = new Offset(42),
        Message = new Message<string?, byte[]>
        {
            Key = "node-0001",
            Value = [0, 0, 0, 0, 1],
            Timestamp = Timestamp.Default,
            Headers = [new Header(KafkaTracing.TraceParentHeader, Encoding.UTF8.GetBytes(traceparent))],
        },
    };
}

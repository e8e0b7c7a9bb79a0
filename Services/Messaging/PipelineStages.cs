using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HpcAspire.Messaging;

/// <summary>
/// The same timings as the spans, in aggregate and whatever the sampling: how long each stage of a
/// message's way takes (<c>hpcaspire.stage.duration</c>, by stage and destination), how long
/// messages waited in the broker, and how old a reading is when its row is durable.
/// </summary>
public sealed class PipelineStages
{
    public const string MeterName = "HpcAspire.Pipeline";

    // Stage names shared by every service and transport, so dashboards compare like with like.
    public const string Serialize = "serialize";
    public const string Deserialize = "deserialize";
    public const string Send = "send";
    public const string Process = "process";
    public const string Join = "join";
    public const string Write = "write";
    public const string Checkpoint = "checkpoint";

    private readonly Histogram<double> _stageDuration;
    private readonly Histogram<double> _brokerWait;
    private readonly Histogram<double> _endToEnd;

    public PipelineStages(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _stageDuration = meter.CreateHistogram<double>("hpcaspire.stage.duration", "s",
            "Time one message spends in one stage of a service: serialize, send (to the broker's ack), deserialize, process, join, write, checkpoint.");
        _brokerWait = meter.CreateHistogram<double>("hpcaspire.broker.wait", "s",
            "Time from a message's broker timestamp (when it was produced) to its receipt by a consumer.");
        _endToEnd = meter.CreateHistogram<double>("hpcaspire.pipeline.latency", "s",
            "Time from a result's own time (a reading's timestamp, a job's end) to its row being durable in the sink; " +
            "meaningful when the generator runs on the wall clock.");
    }

    public static long Now() => Stopwatch.GetTimestamp();

    public void Record(string stage, string destination, long startedAt) =>
        _stageDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds,
            new KeyValuePair<string, object?>("hpcaspire.stage", stage),
            new KeyValuePair<string, object?>(MessagingAttributes.DestinationName, destination));

    public void RecordBrokerWait(string destination, DateTime producedAtUtc) =>
        _brokerWait.Record(Math.Max(0, (DateTime.UtcNow - producedAtUtc).TotalSeconds),
            new KeyValuePair<string, object?>(MessagingAttributes.DestinationName, destination));

    public void RecordEndToEnd(string destination, DateTime resultTimeUtc, DateTime durableAtUtc) =>
        _endToEnd.Record(Math.Max(0, (durableAtUtc - resultTimeUtc).TotalSeconds),
            new KeyValuePair<string, object?>(MessagingAttributes.DestinationName, destination));
}

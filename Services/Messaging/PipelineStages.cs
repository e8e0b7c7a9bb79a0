using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;

namespace HpcAspire.Messaging;

/// <summary>
/// The same timings as the spans, in aggregate and whatever the traces' sampling: how long each stage of a
/// message's way takes (<c>hpcaspire.stage.duration</c>, by stage and destination), how long
/// messages waited in the broker, and how old a reading is when its row is durable.
/// </summary>
/// <remarks>
/// Stage durations and broker waits are measured on one message in <c>Messaging:StageTimingEvery</c> (8 by
/// default; 1 times every message), like traces are sampled: a histogram's shape needs no more, and timing
/// every stage of every message (two clock reads and a tagged histogram update each, thirteen a reading across
/// the services) showed in profiles at 40,000 readings/s as 3–8 % of each service, and its clock reads 3–5 %
/// more. End-to-end latencies, one per row when it is durable, are all recorded.
/// </remarks>
public sealed class PipelineStages
{
    public const string MeterName = "HpcAspire.Pipeline";
    public const string TimingEveryKey = "Messaging:StageTimingEvery";
    public const int DefaultTimingEvery = 8;

    // Stage names shared by every service and transport, so dashboards compare like with like.
    public const string Serialize = "serialize";
    public const string Deserialize = "deserialize";
    public const string Send = "send";
    public const string Process = "process";
    public const string Join = "join";
    public const string Write = "write";
    public const string Checkpoint = "checkpoint";

    /// <summary>
    /// One turn of a service's loop (a generator's tick sent, a processor's batch committed, a sink's batch checkpointed),
    /// recorded every turn with <see cref="Now"/>: a few a second, so unsampled costs nothing.
    /// </summary>
    public const string Loop = "loop";

    /// <summary>What <see cref="Start"/> returns for a message that is not timed; <see cref="Record"/> ignores it.</summary>
    public const long NotTimed = -1;

    // A per-thread xorshift generator: a counter would alias with the fixed number of timings each message makes on a
    // thread (with 8 and four timings a message, two of the stages would never be timed).
    [ThreadStatic]
    private static uint s_random;

    private readonly Histogram<double> _stageDuration;
    private readonly Histogram<double> _brokerWait;
    private readonly Histogram<double> _endToEnd;
    private readonly uint _timingEvery;

    public PipelineStages(IMeterFactory meterFactory, IConfiguration? configuration = null)
    {
        var every = configuration?.GetValue(TimingEveryKey, DefaultTimingEvery) ?? DefaultTimingEvery;
        _timingEvery = every >= 1 ? (uint)every
            : throw new ArgumentOutOfRangeException(TimingEveryKey, every, $"{TimingEveryKey} is 1 (time every message) or more (one message in that many).");
        var meter = meterFactory.Create(MeterName);
        _stageDuration = meter.CreateHistogram<double>("hpcaspire.stage.duration", "s",
            "Time one message spends in one stage of a service: serialize, send (to the broker's ack), deserialize, process, join, write, checkpoint.");
        _brokerWait = meter.CreateHistogram<double>("hpcaspire.broker.wait", "s",
            "Time from a message's broker timestamp (when it was produced) to its receipt by a consumer.");
        _endToEnd = meter.CreateHistogram<double>("hpcaspire.pipeline.latency", "s",
            "Time from a result's own time (a reading's timestamp, a job's end) to its row being durable in the sink; " +
            "meaningful when the generator runs on the wall clock.");
    }

    /// <summary>The start of a stage to time, or <see cref="NotTimed"/> for the messages between timed ones.</summary>
    public long Start() => Sampled() ? Stopwatch.GetTimestamp() : NotTimed;

    /// <summary>Now, for a stage timed every time (a checkpoint, not a message).</summary>
    public static long Now() => Stopwatch.GetTimestamp();

    public void Record(string stage, string destination, long startedAt)
    {
        if (startedAt != NotTimed)
        {
            _stageDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds,
                new KeyValuePair<string, object?>("hpcaspire.stage", stage),
                new KeyValuePair<string, object?>(MessagingAttributes.DestinationName, destination));
        }
    }

    /// <summary>Records the broker wait of a received message, when it is one of those timed.</summary>
    public void RecordBrokerWait(string destination, DateTime producedAtUtc)
    {
        if (Sampled())
        {
            _brokerWait.Record(Math.Max(0, (DateTime.UtcNow - producedAtUtc).TotalSeconds),
                new KeyValuePair<string, object?>(MessagingAttributes.DestinationName, destination));
        }
    }

    private bool Sampled()
    {
        if (_timingEvery == 1)
        {
            return true;
        }

        var x = s_random;
        if (x == 0)
        {
            x = (uint)Random.Shared.Next(1, int.MaxValue);
        }

        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        s_random = x;
        return x % _timingEvery == 0;
    }

    public void RecordEndToEnd(string destination, DateTime resultTimeUtc, DateTime durableAtUtc) =>
        _endToEnd.Record(Math.Max(0, (durableAtUtc - resultTimeUtc).TotalSeconds),
            new KeyValuePair<string, object?>(MessagingAttributes.DestinationName, destination));
}

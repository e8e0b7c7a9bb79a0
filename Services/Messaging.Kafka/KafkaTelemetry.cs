using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace HpcAspire.Messaging.Kafka;

/// <summary>
/// librdkafka's statistics as OpenTelemetry metrics, and its log lines in the service's log.
/// One Meter for every Kafka client of the process; each client reports under its client name.
/// </summary>
public sealed class KafkaTelemetry
{
    public const string MeterName = "HpcAspire.Messaging.Kafka";

    private readonly ConcurrentDictionary<string, ClientStatistics> _latest = new();
    private readonly ILoggerFactory _loggerFactory;

    public KafkaTelemetry(IMeterFactory meterFactory, ILoggerFactory loggerFactory)
    {
        _loggerFactory = loggerFactory;
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableCounter("messaging.kafka.client.messages.sent", () => Observe(s => s.MessagesSent), "{message}",
            "Messages sent to brokers (librdkafka txmsgs).");
        meter.CreateObservableCounter("messaging.kafka.client.messages.received", () => Observe(s => s.MessagesReceived), "{message}",
            "Messages received from brokers (librdkafka rxmsgs).");
        meter.CreateObservableGauge("messaging.kafka.producer.queue.messages", () => Observe(s => s.QueuedMessages), "{message}",
            "Messages waiting in the producer's queue (librdkafka msg_cnt).");
        meter.CreateObservableGauge("messaging.kafka.consumer.lag", ObserveLag, "{message}",
            "Messages between a partition's consumed position and its end (librdkafka consumer_lag).");
        _offsetResets = meter.CreateCounter<long>("messaging.kafka.consumer.offset_resets", "{reset}",
            "Consumer positions that fell out of the log's retention and were reset: the messages in between are lost.");
    }

    private readonly Counter<long> _offsetResets;

    /// <summary>
    /// A librdkafka log line, at its level, in the service's log. A position reset because it fell out of
    /// retention is data loss: it is logged as an error and counted, not left a warning among many.
    /// </summary>
    public void Log(ILogger logger, LogMessage message)
    {
        if (message.Facility == "OFFSET" && message.Message.Contains("offset reset", StringComparison.Ordinal)
            && message.Message.Contains("out of range", StringComparison.OrdinalIgnoreCase))
        {
            _offsetResets.Add(1, new KeyValuePair<string, object?>("messaging.client.id", message.Name));
            logger.LogError("DATA LOSS: a consumer position fell out of the topic's retention and was reset; the messages in between were never read. librdkafka: {Message}", message.Message);
            return;
        }

        logger.Log(LevelOf((int)message.Level), "librdkafka {Facility}: {Message}", message.Facility, message.Message);
    }

    /// <summary>A librdkafka statistics document (set <c>statistics.interval.ms</c> and a statistics handler).</summary>
    public void Record(string statisticsJson)
    {
        try
        {
            var statistics = ClientStatistics.Parse(statisticsJson);
            _latest[statistics.ClientName] = statistics;
        }
        catch (JsonException)
        {
            // A malformed statistics document costs one sample, not the client.
        }
    }

    internal ILogger LoggerFor(string clientKind) => _loggerFactory.CreateLogger($"HpcAspire.Messaging.Kafka.{clientKind}");

    // librdkafka logs with syslog levels: 0-3 errors, 4 warnings, 5-6 information, 7 debug.
    internal static LogLevel LevelOf(int syslogLevel) => syslogLevel switch
    {
        <= 3 => LogLevel.Error,
        4 => LogLevel.Warning,
        <= 6 => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    private IEnumerable<Measurement<long>> Observe(Func<ClientStatistics, long> value) =>
        _latest.Values.Select(s => new Measurement<long>(value(s), new KeyValuePair<string, object?>("messaging.client.id", s.ClientName)));

    private IEnumerable<Measurement<long>> ObserveLag() =>
        _latest.Values.SelectMany(s => s.ConsumerLag.Select(lag => new Measurement<long>(lag.Lag,
            new KeyValuePair<string, object?>("messaging.client.id", s.ClientName),
            new KeyValuePair<string, object?>("messaging.destination.name", lag.Topic),
            new KeyValuePair<string, object?>("messaging.destination.partition.id", lag.Partition.ToString()))));

    internal sealed record PartitionLag(string Topic, int Partition, long Lag);

    internal sealed record ClientStatistics(string ClientName, long MessagesSent, long MessagesReceived, long QueuedMessages, IReadOnlyList<PartitionLag> ConsumerLag)
    {
        public static ClientStatistics Parse(string json)
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var lags = new List<PartitionLag>();
            if (root.TryGetProperty("topics", out var topics))
            {
                foreach (var topic in topics.EnumerateObject())
                {
                    foreach (var partition in topic.Value.GetProperty("partitions").EnumerateObject())
                    {
                        // -1 is librdkafka's internal UA partition; a lag of -1 means "not known yet".
                        var id = partition.Value.GetProperty("partition").GetInt32();
                        var lag = partition.Value.TryGetProperty("consumer_lag", out var l) ? l.GetInt64() : -1;
                        if (id >= 0 && lag >= 0)
                        {
                            lags.Add(new PartitionLag(topic.Name, id, lag));
                        }
                    }
                }
            }

            return new ClientStatistics(
                root.GetProperty("name").GetString() ?? "unknown",
                root.TryGetProperty("txmsgs", out var sent) ? sent.GetInt64() : 0,
                root.TryGetProperty("rxmsgs", out var received) ? received.GetInt64() : 0,
                root.TryGetProperty("msg_cnt", out var queued) ? queued.GetInt64() : 0,
                lags);
        }
    }
}

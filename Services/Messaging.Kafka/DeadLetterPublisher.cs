using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace HpcAspire.Messaging.Kafka;

/// <summary>
/// Republishes a message a service cannot use, byte for byte, to the dead-letter topic with headers
/// naming the error and its origin, and counts it. <see cref="Publish"/> returns only once the broker
/// has acknowledged it (acks=all), so the caller may then move past the source offset.
/// </summary>
public sealed class DeadLetterPublisher
{
    public const string DefaultTopic = "dead-letters";
    public const string MetricName = "hpcaspire.messages.dead_lettered";

    private readonly IProducer<string?, byte[]> _producer;
    private readonly string _service;
    private readonly string _topic;
    private readonly Counter<long> _deadLettered;

    public DeadLetterPublisher(IProducer<string?, byte[]> producer, string service, IMeterFactory meterFactory, string topic = DefaultTopic)
    {
        this._producer = producer;
        this._service = service;
        this._topic = topic;
        _deadLettered = meterFactory.Create(KafkaTelemetry.MeterName).CreateCounter<long>(MetricName, "{message}",
            "Messages sent to the dead-letter topic instead of being processed.");
    }

    public string Topic => _topic;

    /// <summary>
    /// Blocks until the dead letter is durable, and throws <see cref="ProduceException{TKey,TValue}"/> if it is not; on
    /// a transactional producer without delivery reports (the processor's) it is durable when the transaction commits,
    /// with the offsets past its source.
    /// </summary>
    public void Publish(ConsumeResult<string?, byte[]> source, DeadLetterReason reason, string error)
    {
        var headers = new Headers
        {
            { DeadLetterHeaders.Reason, Utf8(reason.ToString()) },
            { DeadLetterHeaders.Error, Utf8(error) },
            { DeadLetterHeaders.SourceTopic, Utf8(source.Topic) },
            { DeadLetterHeaders.SourcePartition, Utf8(source.Partition.Value.ToString(CultureInfo.InvariantCulture)) },
            { DeadLetterHeaders.SourceOffset, Utf8(source.Offset.Value.ToString(CultureInfo.InvariantCulture)) },
            { DeadLetterHeaders.Service, Utf8(_service) },
        };
        foreach (var header in source.Message.Headers ?? [])
        {
            // The original headers travel along (trace context among them) for whoever replays the letter.
            headers.Add(header.Key, header.GetValueBytes());
        }

        _producer.ProduceAsync(_topic, new Message<string?, byte[]> { Key = source.Message.Key, Value = source.Message.Value, Headers = headers })
            .GetAwaiter().GetResult();
        _deadLettered.Add(1,
            new KeyValuePair<string, object?>("service", _service),
            new KeyValuePair<string, object?>("messaging.destination.name", source.Topic),
            new KeyValuePair<string, object?>("reason", reason.ToString()));
    }

    private static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);
}

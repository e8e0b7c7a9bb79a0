using Confluent.SchemaRegistry;
using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;
using HpcAspire.Framing;
using HpcAspire.Messaging;
using HpcAspire.Messaging.RabbitMQ;

namespace HpcAspire.Generator;

/// <summary>
/// Publishes one stream of each tick to the <c>hpc.telemetry</c> topic exchange: readings in batches, one per shard
/// (a tick's readings of the shard's nodes, routed <c>readings.shard-&lt;s&gt;</c>), job events one by one, routed
/// <c>job.&lt;state&gt;</c>, followed by the tick's scheduler clock. Bodies are Confluent-framed Avro (schema id from the
/// registry; readings as an Avro array of them, job events under the Kafka topic's subject). Confirms are awaited
/// in batches, never one message at a time; a batch the broker did not confirm in full (it went away, nacked, or the
/// connection was down) is published again, marked as a retry, until it is: at-least-once, and the processor
/// recognises the copies.
/// </summary>
internal sealed class RabbitMQTickPublisher : ITickPublisher
{
    private const int ConfirmEvery = 5_000;
    private static readonly TimeSpan ConfirmInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly RabbitMQPublisher _publisher;
    private readonly GeneratedStream _stream;
    private readonly AvroBatchWriter<NodeReading> _readings;
    private readonly AvroRecordWriter<JobEvent> _jobEvents;
    private readonly ILogger _logger;
    private readonly HpcTopology _topology;
    private readonly List<Outgoing> _unconfirmed = [];
    private readonly System.Diagnostics.Stopwatch _sinceConfirm = System.Diagnostics.Stopwatch.StartNew();
    private Exception? _sendFailure;

    public RabbitMQTickPublisher(RabbitMQPublisher publisher, HpcTopology topology, ISchemaRegistryClient registry, GeneratedStream stream,
        ILogger<RabbitMQTickPublisher> logger)
    {
        _publisher = publisher;
        _topology = topology;
        _stream = stream;
        _readings = new AvroBatchWriter<NodeReading>(registry);
        _jobEvents = new AvroRecordWriter<JobEvent>(registry);
        _logger = logger;
    }

    public string Destination => HpcTopology.TelemetryExchange;

    public async ValueTask<int> PublishAsync(ClusterTick tick, CancellationToken cancellationToken)
    {
        int count;
        if (_stream == GeneratedStream.NodeReadings)
        {
            foreach (var (shard, batch) in _topology.BatchesByShard(tick.Readings, static reading => reading.NodeId))
            {
                await SendAsync(_topology.ReadingShardKey(shard), async () => await _readings.WriteAsync(batch, AvroSubjects.NodeReadingBatches),
                    null, cancellationToken);
            }

            count = tick.Readings.Count;
        }
        else
        {
            foreach (var jobEvent in tick.JobEvents)
            {
                await SendAsync(HpcTopology.JobEventKey(jobEvent.State.ToString()), async () => await _jobEvents.WriteAsync(jobEvent, AvroSubjects.JobEvents), null, cancellationToken);
            }

            // Behind the tick's job events in every processor's queue: all events up to this time are there.
            await SendAsync(HpcTopology.SchedulerClockKey, static () => ValueTask.FromResult(ReadOnlyMemory<byte>.Empty), RabbitMQSchedulerClock.Stamp(tick.Time), cancellationToken);
            count = tick.JobEvents.Count;
        }

        if (_unconfirmed.Count >= ConfirmEvery || _sinceConfirm.Elapsed >= ConfirmInterval)
        {
            await FlushAsync(cancellationToken);
        }

        return count;
    }

    /// <summary>Returns once every message so far is confirmed, publishing unconfirmed batches again as often as it takes.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                if (Interlocked.Exchange(ref _sendFailure, null) is { } failure)
                {
                    throw failure;
                }

                await _publisher.FlushAsync(cancellationToken);
                _unconfirmed.Clear();
                _sinceConfirm.Restart();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning("{Count} messages are not confirmed ({Error}); publishing them again in {Delay}", _unconfirmed.Count, ex.Message, RetryDelay);
                await Task.Delay(RetryDelay, cancellationToken);
                await _publisher.FlushAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default); // forget the failed batch's outcome
                foreach (var message in _unconfirmed)
                {
                    await PublishAsync(message with { Retry = true }, cancellationToken);
                }
            }
        }
    }

    private async ValueTask SendAsync(string routingKey, Func<ValueTask<ReadOnlyMemory<byte>>> serialize, KeyValuePair<string, object?>[]? headers,
        CancellationToken cancellationToken)
    {
        try
        {
            var body = await _publisher.PublishAsync(HpcTopology.TelemetryExchange, routingKey, serialize, headers: headers, cancellationToken: cancellationToken);
            _unconfirmed.Add(new Outgoing(routingKey, body, headers, Retry: false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The broker is unreachable: keep the message in the batch, which the next flush publishes again.
            _unconfirmed.Add(new Outgoing(routingKey, await serialize(), headers, Retry: false));
            Interlocked.CompareExchange(ref _sendFailure, ex, null);
        }
    }

    private async ValueTask PublishAsync(Outgoing message, CancellationToken cancellationToken)
    {
        IEnumerable<KeyValuePair<string, object?>>? headers = message.Headers;
        if (message.Retry)
        {
            headers = [.. headers ?? [], new(RabbitMQRetries.Header, true)];
        }

        try
        {
            await _publisher.PublishAsync(HpcTopology.TelemetryExchange, message.RoutingKey, message.Body, headers: headers, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Interlocked.CompareExchange(ref _sendFailure, ex, null);
        }
    }

    private sealed record Outgoing(string RoutingKey, ReadOnlyMemory<byte> Body, KeyValuePair<string, object?>[]? Headers, bool Retry);
}

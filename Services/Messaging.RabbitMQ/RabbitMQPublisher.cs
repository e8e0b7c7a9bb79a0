using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>
/// Publishes persistent messages on one confirm channel with up to <see cref="RabbitMQTransportSettings.PublishWindow"/>
/// awaiting their confirms: <see cref="PublishAsync"/> returns once the message is handed over (waiting only when the
/// window is full), and <see cref="FlushAsync"/> returns once every message so far is confirmed, or throws if any was
/// not. Messages from one caller reach the broker in the order of the calls.
/// Each message gets a <c>send</c> span (Producer) ended at its confirm, and its context in the headers.
/// A confirm that does not come within the confirm timeout counts as failed, and the next publish opens a new channel.
/// </summary>
/// <remarks>
/// The window is this class's own, not the client's <c>ThrottlingRateLimiter</c>: that one sleeps up to a second per
/// publish once half its permits are taken, and publishes that slept different times could overtake each other.
/// </remarks>
public sealed class RabbitMQPublisher : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly RabbitMQTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly int _windowSize;
    private readonly SemaphoreSlim _window;
    private readonly SemaphoreSlim _handOver = new(1, 1);
    private readonly TimeSpan _confirmTimeout;
    private IChannel? _channel;
    // A channel one of whose confirms timed out: whatever the client thinks of it, the next publish opens a new one.
    private IChannel? _stalled;
    private long _failedSinceFlush;
    private Exception? _firstFailureSinceFlush;

    public RabbitMQPublisher(IConnection connection, RabbitMQTelemetry telemetry, ILogger<RabbitMQPublisher> logger, int window, TimeSpan confirmTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(confirmTimeout, TimeSpan.Zero);
        _confirmTimeout = confirmTimeout;
        _connection = connection;
        _telemetry = telemetry;
        _logger = logger;
        _windowSize = window;
        _window = new SemaphoreSlim(window, window);
    }

    /// <summary>
    /// Hands one persistent message to the broker; its confirm is awaited in the background. The body must not change
    /// afterwards. <paramref name="parent"/> is the trace to continue (default: the current activity's). Unroutable
    /// messages (mandatory) count as failed.
    /// </summary>
    public async ValueTask PublishAsync(string exchange, string routingKey, ReadOnlyMemory<byte> body, ActivityContext parent = default,
        IEnumerable<KeyValuePair<string, object?>>? headers = null, CancellationToken cancellationToken = default) =>
        await PublishAsync(exchange, routingKey, () => ValueTask.FromResult(body), parent, headers, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// As <see cref="PublishAsync(string, string, ReadOnlyMemory{byte}, ActivityContext, IEnumerable{KeyValuePair{string, object}}?, CancellationToken)"/>,
    /// with the body made by <paramref name="serialize"/> inside the message's <c>send</c> span, as its <c>serialize</c>
    /// stage (as Kafka's serializers run inside Produce). Returns the body, for a caller that may have to send it again.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> PublishAsync(string exchange, string routingKey, Func<ValueTask<ReadOnlyMemory<byte>>> serialize,
        ActivityContext parent = default, IEnumerable<KeyValuePair<string, object?>>? headers = null, CancellationToken cancellationToken = default)
    {
        await _handOver.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var channel = _channel is { IsOpen: true } open && !ReferenceEquals(open, Volatile.Read(ref _stalled))
                ? open
                : await OpenChannelAsync(cancellationToken).ConfigureAwait(false);
            await _window.WaitAsync(cancellationToken).ConfigureAwait(false);
            var startedAt = _telemetry.Stages.Start();
            var properties = new BasicProperties { Persistent = true, Headers = new Dictionary<string, object?>() };
            foreach (var (name, value) in headers ?? [])
            {
                properties.Headers[name] = value;
            }

            var previous = Activity.Current;
            var activity = RabbitMQTelemetry.Activities.StartSend(exchange, parent);
            ReadOnlyMemory<byte> body;
            try
            {
                var serializeStartedAt = _telemetry.Stages.Start();
                using (RabbitMQTelemetry.Activities.StartStage(PipelineStages.Serialize))
                {
                    body = await serialize().ConfigureAwait(false);
                }

                if (body.Length > 0)
                {
                    _telemetry.Stages.Record(PipelineStages.Serialize, exchange, serializeStartedAt);
                }
            }
            catch
            {
                activity?.Stop();
                _window.Release();
                throw;
            }
            finally
            {
                Activity.Current = previous; // the send span lives until the confirm, not over the caller's next steps
            }

            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(MessagingAttributes.RabbitMQRoutingKey, routingKey);
                activity.SetTag(MessagingAttributes.BodySize, body.Length);
            }

            properties.Headers[RabbitMQTelemetry.PublishedAtHeader] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            MessageTracing.Inject(activity, properties.Headers, RabbitMQTelemetry.SetHeader);

            ValueTask confirm;
            try
            {
                // Not awaited here: the client queues each call on the channel in call order; the task ends at the confirm.
                confirm = channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, CancellationToken.None);
            }
            catch (Exception ex)
            {
                confirm = ValueTask.FromException(ex);
            }

            _ = AwaitConfirmAsync(confirm, channel, exchange, activity, startedAt);
            return body;
        }
        finally
        {
            _handOver.Release();
        }
    }

    /// <summary>
    /// Waits until every message published so far is confirmed. Throws <see cref="RabbitMQPublishException"/> if any
    /// published since the last flush was nacked, returned or lost with its channel: the caller must not treat them as sent.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _handOver.WaitAsync(cancellationToken).ConfigureAwait(false);
        var taken = 0;
        try
        {
            // Every permit back means nothing is awaiting its confirm.
            for (; taken < _windowSize; taken++)
            {
                await _window.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (taken > 0)
            {
                _window.Release(taken);
            }

            _handOver.Release();
        }

        var failed = Interlocked.Exchange(ref _failedSinceFlush, 0);
        var first = Interlocked.Exchange(ref _firstFailureSinceFlush, null);
        if (failed > 0)
        {
            throw new RabbitMQPublishException(failed, first);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RabbitMQPublishException or OperationCanceledException)
        {
            _logger.LogWarning(ex, "Messages still unconfirmed or failed when the publisher closed");
        }

        if (_channel is { } channel)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    // A channel that closed (the broker went away, or refused something) failed its outstanding confirms, and one that
    // stalled is given up; the next publish opens a new one, on the connection the client recovers. The old one is
    // disposed apart: closing a stalled channel waits for the broker's answer, and publishing need not.
    private async Task<IChannel> OpenChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { } old)
        {
            _channel = null;
            _ = DisposeQuietlyAsync(old);
        }

        // No client rate limiter: the window above bounds the confirms in flight.
        _channel = await _connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: null), cancellationToken).ConfigureAwait(false);
        return _channel;
    }

    private async Task DisposeQuietlyAsync(IChannel channel)
    {
        try
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "Disposing a replaced publishing channel failed");
        }
    }

    private async Task AwaitConfirmAsync(ValueTask confirm, IChannel channel, string exchange, Activity? activity, long startedAt)
    {
        try
        {
            if (confirm.IsCompleted)
            {
                await confirm.ConfigureAwait(false);
            }
            else
            {
                await confirm.AsTask().WaitAsync(_confirmTimeout).ConfigureAwait(false);
            }

            _telemetry.Stages.Record(PipelineStages.Send, exchange, startedAt);
        }
        catch (Exception failure)
        {
            var ex = failure;
            if (failure is TimeoutException)
            {
                Volatile.Write(ref _stalled, channel);
                ex = new TimeoutException($"The broker did not confirm a message to {exchange} within {_confirmTimeout} " +
                    $"({RabbitMQTransportSettings.SectionName}:ConfirmTimeout); it counts as failed and the channel is replaced.", failure);
            }

            if (Interlocked.Increment(ref _failedSinceFlush) == 1)
            {
                _logger.LogWarning(ex, "A message to {Exchange} was not confirmed; further failures until the next flush are only counted", exchange);
            }

            Interlocked.CompareExchange(ref _firstFailureSinceFlush, ex, null);
            _telemetry.PublishFailed(exchange);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            activity?.SetTag("error.type", ex.GetType().FullName);
        }
        finally
        {
            activity?.Stop();
            _window.Release();
        }
    }
}

/// <summary>Messages the broker did not confirm (nacked, returned as unroutable, or lost with their channel).</summary>
public sealed class RabbitMQPublishException(long failed, Exception? first)
    : Exception($"{failed} message(s) were not confirmed by the broker{(first is null ? "" : $"; the first: {first.Message}")}", first)
{
    public long Failed { get; } = failed;
}

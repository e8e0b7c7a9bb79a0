using System.Diagnostics;
using HpcAspire.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>
/// A service's consumer of one or more queues on one channel, with manual acks. A subclass supplies
/// <see cref="HandleAsync"/>, called for one delivery at a time inside its <c>process &lt;queue&gt;</c> span (a child of
/// the context the message carried), and acks with <see cref="AckThroughAsync"/> once its work is durable: nothing is
/// acked for it. A handler that throws returns the message to its queue; the quorum queue dead-letters it once it
/// has been delivered more than the delivery limit (the broker's own dead letter, with <c>x-first-death-reason</c>). A message that can never succeed (undecodable, invalid) goes to
/// <see cref="DeadLetterAsync"/> with its reason and then counts as handled.
/// <para>
/// Consuming happens in sessions, one channel each. When the channel closes (the broker went away, or the subclass
/// called <see cref="RestartSessionAsync"/> because a checkpoint failed), the broker takes back every unacked
/// delivery, and the next session first restores the last checkpoint (<see cref="OnSessionStartAsync"/>), so the
/// in-memory state never holds the effect of a message the broker will deliver again. Handlers, session starts and
/// the periodic <see cref="OnCheckpointDueAsync"/> take turns.
/// </para>
/// </summary>
public abstract class RabbitMQConsumer : BackgroundService
{
    private readonly RabbitMQConsumerContext _context;
    private readonly string _consumerGroup;
    private readonly IReadOnlyList<string> _queues;
    // Handlers, session starts and checkpoints take turns: the state they share needs no other lock.
    private readonly SemaphoreSlim _turn = new(1, 1);
    private ulong _ackedThrough;
    private long _turnStartedAt = PipelineStages.Now();
    private IChannel? _channel;
    private CancellationToken _stopping;

    protected RabbitMQConsumer(RabbitMQConsumerContext context, string consumerGroup, IReadOnlyList<string> queues)
    {
        ArgumentOutOfRangeException.ThrowIfZero(queues.Count);
        _context = context;
        _consumerGroup = consumerGroup;
        _queues = queues;
        Logger = context.LoggerFactory.CreateLogger(GetType());
    }

    protected ILogger Logger { get; }

    protected HpcTopology Topology => _context.Topology;

    /// <summary>
    /// Messages a consumer may handle before it must checkpoint and ack: the broker stops delivering to a queue's
    /// consumer once it holds its prefetch (<see cref="PrefetchOf"/>) unacked, so a checkpoint that waited for more
    /// would only wait for its timer. Half the prefetch of each of the <paramref name="busyQueues"/> the bulk of the
    /// messages come from keeps deliveries flowing while a checkpoint runs.
    /// </summary>
    protected static int MessagesBeforeCheckpoint(int prefetch, int busyQueues = 1) => Math.Max(1, prefetch / 2 * busyQueues);

    /// <summary>The transport's settings: prefetches, batch sizes, shards.</summary>
    protected RabbitMQTransportSettings Transport => _context.Settings;

    /// <summary>The prefetch (basic.qos) of the consumer of <paramref name="queue"/>; by default <see cref="RabbitMQTransportSettings.Prefetch"/>.</summary>
    protected virtual ushort PrefetchOf(string queue) => _context.Settings.Prefetch;

    /// <summary>The stage timings (<see cref="PipelineStages"/>) and counters every consumer shares.</summary>
    protected RabbitMQTelemetry Telemetry => _context.Telemetry;

    /// <summary>Handles one delivery; returns when the message is handled (or dead-lettered), not necessarily durable yet.</summary>
    protected abstract Task HandleAsync(ReceivedMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Checks or declares what the consumer needs before it first consumes. The shared topology is already there:
    /// <c>AddRabbitMQMessaging</c>'s hosted service declares it when the host starts, before any consumer.
    /// </summary>
    protected virtual Task PrepareAsync(IConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Acks every delivery of <paramref name="message"/>'s session up to and including it (multiple=true): call it once
    /// the work of all of them is durable, with a message that was handled (not one whose handler threw). A message of a
    /// session that has ended is not acked (the broker has taken it back), nor one at or below one already acked.
    /// </summary>
    protected async ValueTask AckThroughAsync(ReceivedMessage message, CancellationToken cancellationToken = default)
    {
        // Called from a handler or a checkpoint, which take turns: nothing else acks meanwhile. Acking a tag that is no
        // longer outstanding would close the channel, so acks stay strictly increasing.
        if (!ReferenceEquals(message.Session, _channel) || _channel is not { IsOpen: true } channel || message.DeliveryTag <= _ackedThrough)
        {
            return;
        }

        await channel.BasicAckAsync(message.DeliveryTag, multiple: true, cancellationToken).ConfigureAwait(false);
        _ackedThrough = message.DeliveryTag;
    }

    /// <summary>
    /// A checkpoint: makes the work of every delivery handled through <paramref name="lastHandled"/> durable
    /// (<paramref name="makeDurable"/>, false when it could not and restarted the session), then acks them all. It is
    /// timed as the <c>checkpoint</c> stage, and the turn since the last one as the <c>loop</c> stage. Returns whether
    /// the deliveries were acked; with none handled it does nothing, and the next turn starts with the next delivery's wait.
    /// </summary>
    protected async Task<bool> CheckpointThroughAsync(ReceivedMessage? lastHandled, Func<CancellationToken, Task<bool>> makeDurable,
        CancellationToken cancellationToken)
    {
        if (lastHandled is null)
        {
            _turnStartedAt = PipelineStages.Now();
            return false;
        }

        var startedAt = PipelineStages.Now();
        if (!await makeDurable(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await AckThroughAsync(lastHandled, cancellationToken).ConfigureAwait(false);
        Telemetry.Stages.Record(PipelineStages.Checkpoint, "", startedAt);
        Telemetry.Stages.Record(PipelineStages.Loop, "", _turnStartedAt);
        _turnStartedAt = PipelineStages.Now();
        return true;
    }

    /// <summary>How often <see cref="OnCheckpointDueAsync"/> runs when no delivery comes; zero (the default) for never.</summary>
    protected virtual TimeSpan CheckpointInterval => TimeSpan.Zero;

    /// <summary>
    /// Runs every <see cref="CheckpointInterval"/>, never at the same time as a handler: make what was handled durable
    /// and ack it, so the last messages of a stream that goes quiet do not wait for the next one.
    /// </summary>
    protected virtual Task OnCheckpointDueAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Whether a tick of the timer has anything to do; when not, it does not take the handlers' turn. Read outside the
    /// turn: a tick that misses a message handled just then leaves it to the next tick.
    /// </summary>
    protected virtual bool CheckpointPending => true;

    /// <summary>
    /// Republishes <paramref name="message"/> to the dead-letter exchange with <paramref name="reason"/> and
    /// <paramref name="error"/> in its headers (<see cref="DeadLetterHeaders"/>, as on Kafka), and returns once the broker has
    /// confirmed it. Call it from the handler, while the body is valid; the message then counts as handled: ack it with the rest.
    /// For one bad record of a batch, <paramref name="record"/> is its index (<see cref="DeadLetterHeaders.Record"/>).
    /// </summary>
    protected async Task DeadLetterAsync(ReceivedMessage message, DeadLetterReason reason, string error, int? record = null, CancellationToken cancellationToken = default)
    {
        var headers = message.Headers is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(message.Headers);
        if (record is { } index)
        {
            headers[DeadLetterHeaders.Record] = index;
        }

        headers[DeadLetterHeaders.Reason] = reason.ToString();
        headers[DeadLetterHeaders.Error] = error;
        headers[DeadLetterHeaders.SourceQueue] = message.Queue;
        headers[DeadLetterHeaders.SourceRoutingKey] = message.RoutingKey;
        headers[DeadLetterHeaders.Service] = _context.ServiceName;

        // Bounded as the publisher's confirms are: a confirm that never comes would hold this consumer's turn for ever.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_context.Settings.ConfirmTimeout);
        try
        {
            await message.Session.BasicPublishAsync(HpcTopology.DeadLetterExchange, message.RoutingKey, mandatory: true,
                new BasicProperties { Persistent = true, Headers = headers }, message.Body, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException timedOut) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The broker did not confirm a dead letter from {message.Queue} within {_context.Settings.ConfirmTimeout} " +
                $"({RabbitMQTransportSettings.SectionName}:ConfirmTimeout); the message goes back to its queue.", timedOut);
        }

        _context.Telemetry.DeadLettered(message.Queue, reason.ToString());
        Activity.Current?.AddEvent(new ActivityEvent("dead-lettered", tags: new ActivityTagsCollection
        {
            ["reason"] = reason,
            ["error"] = error,
            ["record"] = record,
        }));
        Logger.LogWarning("Dead-lettered a message from {Queue} ({RoutingKey}{Record}): {Reason}: {Error}", message.Queue, message.RoutingKey,
            record is { } i ? $", record {i}" : "", reason, error);
    }

    /// <summary>
    /// Called at the start of every session, before the first delivery: restore the state the last durable checkpoint
    /// holds. Every message not acked before is delivered again after it.
    /// </summary>
    protected virtual Task OnSessionStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Ends the current session: its channel closes, so the broker takes back every unacked delivery, and the next
    /// session starts from <see cref="OnSessionStartAsync"/>. Call it when work since the last ack cannot be made
    /// durable (a publish the broker did not confirm, a write that failed).
    /// </summary>
    protected Task RestartSessionAsync(string reason)
    {
        Logger.LogWarning("Restarting the session from the last checkpoint: {Reason}", reason);

        // From here on the session's deliveries are ignored and nothing of it is acked. The close itself runs apart:
        // the client closes a channel only once its dispatcher is idle, and the dispatcher may be waiting for our turn.
        if (Interlocked.Exchange(ref _channel, null) is { } channel)
        {
            _ = CloseInBackgroundAsync(channel);
        }

        return Task.CompletedTask;
    }

    private async Task CloseInBackgroundAsync(IChannel channel)
    {
        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
            await channel.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Logger.LogDebug(ex, "Closing an ended session's channel failed");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        var prepared = false;
        var checkpoints = CheckpointInterval > TimeSpan.Zero ? RunCheckpointsAsync(stoppingToken) : Task.CompletedTask;
        while (!stoppingToken.IsCancellationRequested)
        {
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                if (!prepared)
                {
                    await PrepareAsync(_context.Connection, stoppingToken).ConfigureAwait(false);
                    prepared = true;
                }

                await OpenSessionAsync(ended, stoppingToken).ConfigureAwait(false);
                await ended.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping: what is unacked goes back to its queue when the channel closes.
            }
            catch (Exception ex)
            {
                Logger.LogWarning("The consumer of {Queues} lost its channel or could not open one: {Error}; trying again in {Delay}",
                    string.Join(", ", _queues), ex.Message, SessionRetryDelay);
            }

            await CloseSessionAsync().ConfigureAwait(false);
            if (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(SessionRetryDelay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        await checkpoints.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunCheckpointsAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckpointInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (!CheckpointPending)
            {
                continue;
            }

            try
            {
                await _turn.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            try
            {
                if (_channel is { IsOpen: true })
                {
                    await OnCheckpointDueAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Logger.LogError(ex, "A checkpoint failed");
                await RestartSessionAsync($"the checkpoint failed: {ex.Message}").ConfigureAwait(false);
            }
            finally
            {
                _turn.Release();
            }
        }
    }

    private static readonly TimeSpan SessionRetryDelay = TimeSpan.FromSeconds(1);

    // One channel per session. Automatic recovery would reopen it and re-register the consumers behind our back, with
    // the in-memory state still holding the effects of deliveries the broker has just taken back; a session of our own
    // restores the last checkpoint first.
    private async Task OpenSessionAsync(TaskCompletionSource ended, CancellationToken stoppingToken)
    {
        // Confirms on, for dead letters; one handler at a time, so a queue's order is the order of handling.
        var channel = await _context.Connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: null, consumerDispatchConcurrency: 1), stoppingToken).ConfigureAwait(false);
        channel.ChannelShutdownAsync += (_, args) =>
        {
            ended.TrySetResult();
            return Task.CompletedTask;
        };
        await _turn.WaitAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            _channel = channel;
            _ackedThrough = 0;
            await OnSessionStartAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }

        foreach (var queue in _queues)
        {
            // Per consumer (global: false), for the consumers started after it on this channel.
            await channel.BasicQosAsync(prefetchSize: 0, PrefetchOf(queue), global: false, stoppingToken).ConfigureAwait(false);
            await channel.BasicConsumeAsync(queue, autoAck: false, consumerTag: $"{_context.ServiceName}-{queue}-{Guid.NewGuid():N}",
                noLocal: false, exclusive: false, arguments: null, new Deliveries(this, channel, queue), stoppingToken).ConfigureAwait(false);
        }

        Logger.LogInformation("Consuming {Queues} with prefetch {Prefetch}", string.Join(", ", _queues), string.Join(", ", _queues.Select(PrefetchOf)));
    }

    private async Task CloseSessionAsync()
    {
        if (Interlocked.Exchange(ref _channel, null) is { } channel)
        {
            try
            {
                await channel.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Logger.LogDebug(ex, "Closing the consumer's channel failed");
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await CloseSessionAsync().ConfigureAwait(false);
    }

    private async Task DeliverAsync(IChannel channel, string queue, ulong deliveryTag, bool redelivered, string routingKey,
        IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        if (!ReferenceEquals(channel, _channel))
        {
            return; // a delivery of a session that has ended: the broker delivers it again
        }

        var headers = properties.Headers;
        var stages = _context.Telemetry.Stages;
        if (RabbitMQTelemetry.ReadUnixMilliseconds(headers, RabbitMQTelemetry.PublishedAtHeader) is { } publishedAt)
        {
            stages.RecordBrokerWait(queue, publishedAt);
        }

        var parent = RabbitMQTelemetry.ContextOf(headers);
        using var activity = RabbitMQTelemetry.Activities.StartProcess(queue, parent, _consumerGroup);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingAttributes.RabbitMQRoutingKey, routingKey);
            activity.SetTag(MessagingAttributes.RabbitMQDeliveryTag, (long)deliveryTag);
            activity.SetTag(MessagingAttributes.BodySize, body.Length);
        }

        var startedAt = stages.Start();
        await _turn.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (!ReferenceEquals(channel, _channel))
            {
                return; // the session ended while this delivery waited its turn
            }

            await HandleAsync(new ReceivedMessage(channel, queue, routingKey, deliveryTag, redelivered, body, headers, parent), _stopping).ConfigureAwait(false);
            stages.Record(PipelineStages.Process, queue, startedAt);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Left unacked: the broker redelivers it to whoever consumes next.
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            activity?.SetTag("error.type", ex.GetType().FullName);
            _context.Telemetry.HandlerFailed(queue);
            Logger.LogError(ex, "Handling a message from {Queue} ({RoutingKey}, delivery {DeliveryTag}) failed; it goes back to the queue", queue, routingKey, deliveryTag);
            if (channel.IsOpen)
            {
                await channel.BasicRejectAsync(deliveryTag, requeue: true, CancellationToken.None).ConfigureAwait(false);
            }

            // The state may hold part of its effects, and messages after it may be handled before it comes back:
            // start again from the last checkpoint, with everything unacked delivered again in order.
            await RestartSessionAsync($"a handler failed ({ex.GetType().Name})").ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }

    private sealed class Deliveries(RabbitMQConsumer owner, IChannel session, string queue) : AsyncDefaultBasicConsumer(session)
    {
        public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
            IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default) =>
            owner.DeliverAsync(Channel, queue, deliveryTag, redelivered, routingKey, properties, body);
    }
}

using Microsoft.Extensions.Logging;

namespace HpcAspire.AppHost.Infrastructure.Kafka;

/// <summary>
/// Brings the container cluster resource to Running once every broker is healthy and the topics exist, or to
/// FailedToStart with the reason in its log, so nothing waits on a cluster that will never be usable.
/// </summary>
internal static class KafkaClusterStartup
{
    // Covers pulling the images on a first run as well as the brokers' start.
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <param name="waitForHealthyBroker">
    /// How to wait for one broker; by default Aspire's health wait, which throws when the broker fails to start.
    /// </param>
    public static async Task RunAsync(KafkaClusterResource cluster, InitializeResourceEvent @event, TimeSpan timeout, CancellationToken cancellationToken,
        Func<string, CancellationToken, Task>? waitForHealthyBroker = null)
    {
        var notifications = @event.Notifications;
        waitForHealthyBroker ??= (broker, ct) => notifications.WaitForResourceHealthyAsync(broker, WaitBehavior.StopOnResourceUnavailable, ct);
        await notifications.PublishUpdateAsync(cluster, s => s with { State = KnownResourceStates.Waiting });

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var step = "";
        try
        {
            foreach (var broker in cluster.Brokers)
            {
                step = $"broker {broker.Name} to become healthy";
                await waitForHealthyBroker(broker.Name, deadline.Token);
            }

            if (cluster.TopicCreation is { } topics)
            {
                step = $"{topics.Name} to create the topics";
                var finished = await notifications.WaitForResourceAsync(topics.Name,
                    e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), deadline.Token);
                if (finished.Snapshot.ExitCode is not 0)
                {
                    throw new DistributedApplicationException(
                        $"{topics.Name} ended {finished.Snapshot.State?.Text} with exit code {finished.Snapshot.ExitCode?.ToString() ?? "none"}; its log says why.");
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await FailAsync(cluster, @event, $"The Kafka cluster did not start: still waiting for {step} after {timeout.TotalSeconds:0} s. " +
                "The brokers' health checks and logs in the dashboard say which broker is not answering and why.");
            return;
        }
        catch (DistributedApplicationException ex)
        {
            await FailAsync(cluster, @event, $"The Kafka cluster did not start while waiting for {step}: {ex.Message}");
            return;
        }

        await @event.Eventing.PublishAsync(new ConnectionStringAvailableEvent(cluster, @event.Services), cancellationToken);
        await notifications.PublishUpdateAsync(cluster, s => s with
        {
            State = KnownResourceStates.Running,
            StartTimeStamp = DateTime.UtcNow,
        });
    }

    private static async Task FailAsync(KafkaClusterResource cluster, InitializeResourceEvent @event, string reason)
    {
        @event.Logger.LogError("{Reason}", reason);
        await @event.Notifications.PublishUpdateAsync(cluster, s => s with { State = KnownResourceStates.FailedToStart });
    }
}

using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HpcAspire.AppHost.Infrastructure.Kafka.Embedded;

internal static class EmbeddedKafkaBuilderExtensions
{
    internal const string StopBrokerCommand = "stop-broker";
    internal const string StartBrokerCommand = "start-broker";
    private const string StoppedState = "Stopped";

    /// <summary>
    /// librdkafka's mock cluster of <see cref="KafkaSettings.Brokers"/> brokers, hosted by the AppHost,
    /// with one child resource per broker that the dashboard can stop and start.
    /// </summary>
    public static IResourceBuilder<EmbeddedKafkaClusterResource> AddEmbeddedKafkaCluster(
        this IDistributedApplicationBuilder builder, string name, KafkaSettings settings)
    {
        var cluster = new EmbeddedKafkaClusterResource(name, settings);
        var controllerHolder = new EmbeddedKafkaControllerHolder();
        builder.Services.AddSingleton(controllerHolder);

        var clusterBuilder = builder.AddResource(cluster)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "EmbeddedKafka",
                State = KnownResourceStates.NotStarted,
                Properties =
                [
                    new("Brokers", settings.Brokers),
                    new("ReplicationFactor", settings.ReplicationFactor),
                    new(CustomResourceKnownProperties.Source, "librdkafka mock cluster"),
                ],
            })
            .WithHealthCheck(KafkaClusterBuilderExtensions.AddMetadataHealthCheck(builder, name,
                ct => cluster.BootstrapServers.GetValueAsync(ct), requiredBrokers: 1))
            .ExcludeFromManifest();

        for (var brokerId = 1; brokerId <= settings.Brokers; brokerId++)
        {
            var broker = new EmbeddedKafkaBrokerResource(KafkaClusterBuilderExtensions.BrokerName(name, brokerId), brokerId, cluster);
            cluster.AddBroker(broker);
            builder.AddResource(broker)
                .WithParentRelationship(clusterBuilder)
                .WithInitialState(new CustomResourceSnapshot
                {
                    ResourceType = "KafkaBroker",
                    State = KnownResourceStates.NotStarted,
                    Properties = [new("BrokerId", brokerId)],
                })
                .WithCommand(StopBrokerCommand, "Stop broker",
                    context => ChangeBrokerAsync(context, controllerHolder, broker, stop: true),
                    new CommandOptions
                    {
                        Description = "Stops the broker like a crash; its partition leaders and coordinators move to running brokers.",
                        IconName = "Stop",
                        IsHighlighted = true,
                        UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running
                            ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
                    })
                .WithCommand(StartBrokerCommand, "Start broker",
                    context => ChangeBrokerAsync(context, controllerHolder, broker, stop: false),
                    new CommandOptions
                    {
                        Description = "Starts the broker; leaders and coordinators are spread over all running brokers again.",
                        IconName = "Play",
                        IsHighlighted = true,
                        UpdateState = context => context.ResourceSnapshot.State?.Text == StoppedState
                            ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
                    })
                .ExcludeFromManifest();
        }

        clusterBuilder.OnInitializeResource(async (resource, @event, ct) =>
        {
            await @event.Notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.Starting });
            var controller = new EmbeddedKafkaController(resource.Settings, @event.Logger);
            controllerHolder.Controller = controller;
            string servers;
            try
            {
                servers = await Task.Run(controller.Start, ct);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or MockKafkaClusterException or InvalidOperationException)
            {
                @event.Logger.LogError(ex, "The embedded Kafka cluster could not start");
                await @event.Notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.FailedToStart });
                return;
            }

            resource.BootstrapServers.Set(servers);
            foreach (var broker in resource.Brokers)
            {
                await PublishBrokerStateAsync(@event.Notifications, controller, broker);
            }

            await @event.Eventing.PublishAsync(new ConnectionStringAvailableEvent(resource, @event.Services), ct);
            await @event.Notifications.PublishUpdateAsync(resource, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
                Properties = [.. s.Properties, new("BootstrapServers", servers)],
            });

            var stopping = @event.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            _ = Task.Run(() => ShowClusterViewAsync(resource, servers, @event.Notifications, @event.Logger, stopping), CancellationToken.None);
            if (resource.Settings.TrimConsumed.Count > 0 && !resource.Settings.KeepReadRecords)
            {
                _ = Task.Run(() => TrimConsumedAsync(resource, controller, servers, @event.Notifications, @event.Logger, stopping), CancellationToken.None);
            }
        });

        return clusterBuilder;
    }

    /// <summary>
    /// What Kafdrop would show, in the dashboard: every few seconds, each topic's partition leaders, in-sync replicas
    /// and end offsets, and each consumer group's lag, as properties of the cluster resource; the brokers' leader counts
    /// with them. Stopping a broker from the dashboard then shows its leaders moving and the lag rising and draining.
    /// </summary>
    private static async Task ShowClusterViewAsync(EmbeddedKafkaClusterResource cluster, string servers, ResourceNotificationService notifications,
        ILogger logger, CancellationToken stopping)
    {
        using var reader = new KafkaClusterViewReader(servers, [.. cluster.Settings.Topics.Keys], cluster.Settings.ConsumerGroups);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var view = await reader.ReadAsync(stopping);
                await notifications.PublishUpdateAsync(cluster, s => s with
                {
                    Properties = [.. s.Properties.Where(p => !IsViewProperty(p.Name)), .. view.AsProperties()],
                });
                foreach (var broker in cluster.Brokers)
                {
                    await notifications.PublishUpdateAsync(broker, s => s with
                    {
                        Properties = [.. s.Properties.Where(p => p.Name != LeadersProperty), new(LeadersProperty, view.LeaderCount(broker.BrokerId))],
                    });
                }
            }
            catch (Exception ex) when (ex is KafkaException or TimeoutException)
            {
                // A round the cluster does not answer (a broker just stopped, its leaders moving) is skipped, not fatal.
                logger.LogDebug(ex, "The cluster view was not read this round");
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            await Task.Delay(ClusterViewInterval, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Every <see cref="TrimInterval"/>, deletes what the groups of <see cref="KafkaSettings.TrimConsumed"/> have read
    /// (<see cref="ConsumedRecordsTrimmer"/>), and shows the records deleted per topic on the cluster resource.
    /// </summary>
    private static async Task TrimConsumedAsync(EmbeddedKafkaClusterResource cluster, EmbeddedKafkaController controller, string servers,
        ResourceNotificationService notifications, ILogger logger, CancellationToken stopping)
    {
        using var trimmer = new ConsumedRecordsTrimmer(servers, cluster.Settings);
        logger.LogInformation("Deleting records once their readers have committed past them: {Topics}",
            string.Join("; ", cluster.Settings.TrimConsumed.Select(t => $"{t.Key} (read by {string.Join(", ", t.Value)})")));
        var shown = DateTime.MinValue;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var trimmed = await Task.Run(() => trimmer.TrimOnce(controller.DeleteRecords), stopping);
                if (trimmed.Count > 0 && DateTime.UtcNow - shown >= ClusterViewInterval)
                {
                    shown = DateTime.UtcNow;
                    var deleted = string.Join(" · ", trimmer.Deleted.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key} {t.Value:N0}"));
                    await notifications.PublishUpdateAsync(cluster, s => s with
                    {
                        Properties = [.. s.Properties.Where(p => p.Name != TrimmedProperty), new(TrimmedProperty, deleted)],
                    });
                }
            }
            catch (MockKafkaClusterException ex)
            {
                logger.LogWarning(ex, "Deleting read records failed this round");
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            await Task.Delay(TrimInterval, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    internal const string TrimmedProperty = "Records deleted after reading";

    internal static readonly TimeSpan TrimInterval = TimeSpan.FromMilliseconds(500);

    private const string LeadersProperty = "PartitionLeaders";

    internal static readonly TimeSpan ClusterViewInterval = TimeSpan.FromSeconds(2);

    private static bool IsViewProperty(string name) => name.StartsWith("Topic ", StringComparison.Ordinal) || name.StartsWith("Group ", StringComparison.Ordinal);

    private static async Task<ExecuteCommandResult> ChangeBrokerAsync(
        ExecuteCommandContext context, EmbeddedKafkaControllerHolder holder, EmbeddedKafkaBrokerResource broker, bool stop)
    {
        if (holder.Controller is not { } controller)
        {
            return CommandResults.Failure("The embedded Kafka cluster has not started yet.");
        }

        try
        {
            await Task.Run(() =>
            {
                if (stop)
                {
                    controller.StopBroker(broker.BrokerId);
                }
                else
                {
                    controller.StartBroker(broker.BrokerId);
                }
            }, context.CancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            return CommandResults.Failure(ex.Message);
        }

        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        foreach (var sibling in broker.Parent.Brokers)
        {
            await PublishBrokerStateAsync(notifications, controller, sibling);
        }

        return CommandResults.Success();
    }

    private static Task PublishBrokerStateAsync(ResourceNotificationService notifications, EmbeddedKafkaController controller, EmbeddedKafkaBrokerResource broker)
    {
        var running = controller.IsRunning(broker.BrokerId);
        return notifications.PublishUpdateAsync(broker, s => s with
        {
            State = running ? KnownResourceStates.Running : new ResourceStateSnapshot(StoppedState, KnownResourceStateStyles.Warn),
            StartTimeStamp = running ? DateTime.UtcNow : s.StartTimeStamp,
            Properties =
            [
                new("BrokerId", broker.BrokerId),
                new("Address", $"127.0.0.1:{controller.BrokerPorts[broker.BrokerId]}"),
                new(LeadersProperty, controller.LeaderCount(broker.BrokerId)),
            ],
        });
    }
}

/// <summary>Owns the controller once it runs, so the host disposes the mock cluster when it stops.</summary>
internal sealed class EmbeddedKafkaControllerHolder : IDisposable
{
    public EmbeddedKafkaController? Controller { get; set; }

    public void Dispose() => Controller?.Dispose();
}

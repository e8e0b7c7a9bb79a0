using Aspire.Hosting.Eventing;
using HpcAspire.AppHost.Infrastructure.Kafka;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HpcAspire.Tests.AppModel;

/// <summary>
/// How the container cluster resource starts: Running only once every broker is healthy and the topics exist, and
/// FailedToStart with the reason in its log otherwise, never left Waiting. The topic container's states are published
/// as DCP publishes them; the brokers' health comes from <see cref="BrokerHealth"/>, standing in for Aspire's health wait.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public class KafkaClusterStartupTests
{
    [Fact]
    public async Task A_broker_that_never_becomes_healthy_fails_the_cluster_with_the_broker_named_in_its_log()
    {
        await using var app = await BuildContainersModeAsync();
        var (cluster, notifications) = Parts(app);
        var health = new BrokerHealth("kafka-1");

        await KafkaClusterStartup.RunAsync(cluster, InitializeEvent(app, cluster), TimeSpan.FromSeconds(1), CancellationToken.None, health.WaitAsync);

        Assert.Equal(KnownResourceStates.FailedToStart, State(notifications, cluster));
        var log = await LogOfAsync(app, cluster);
        Assert.Contains("still waiting for broker kafka-2 to become healthy after 1 s", log);
    }

    [Fact]
    public async Task A_broker_that_fails_to_start_fails_the_cluster_at_once_with_the_reason()
    {
        await using var app = await BuildContainersModeAsync();
        var (cluster, notifications) = Parts(app);
        var health = new BrokerHealth("kafka-1") { Failed = "kafka-2" };

        await KafkaClusterStartup.RunAsync(cluster, InitializeEvent(app, cluster), TimeSpan.FromMinutes(5), CancellationToken.None, health.WaitAsync);

        Assert.Equal(KnownResourceStates.FailedToStart, State(notifications, cluster));
        Assert.Contains("while waiting for broker kafka-2 to become healthy: Stopped waiting for resource 'kafka-2'", await LogOfAsync(app, cluster));
    }

    [Fact]
    public async Task Topic_creation_that_fails_fails_the_cluster_with_its_exit_code()
    {
        await using var app = await BuildContainersModeAsync();
        var (cluster, notifications) = Parts(app);
        var health = new BrokerHealth("kafka-1", "kafka-2", "kafka-3");

        await notifications.PublishUpdateAsync(cluster.TopicCreation!, s => s with { State = KnownResourceStates.Exited, ExitCode = 1 });
        await KafkaClusterStartup.RunAsync(cluster, InitializeEvent(app, cluster), TimeSpan.FromSeconds(30), CancellationToken.None, health.WaitAsync);

        Assert.Equal(KnownResourceStates.FailedToStart, State(notifications, cluster));
        Assert.Contains("kafka-topics ended Exited with exit code 1", await LogOfAsync(app, cluster));
    }

    [Fact]
    public async Task The_cluster_runs_once_every_broker_is_healthy_and_the_topics_exist()
    {
        await using var app = await BuildContainersModeAsync();
        var (cluster, notifications) = Parts(app);
        var health = new BrokerHealth("kafka-1", "kafka-2", "kafka-3");

        await notifications.PublishUpdateAsync(cluster.TopicCreation!, s => s with { State = KnownResourceStates.Finished, ExitCode = 0 });
        await KafkaClusterStartup.RunAsync(cluster, InitializeEvent(app, cluster), TimeSpan.FromSeconds(30), CancellationToken.None, health.WaitAsync);

        Assert.Equal(KnownResourceStates.Running, State(notifications, cluster));
    }

    private static async Task<DistributedApplication> BuildContainersModeAsync()
    {
        var builder = await AppHostFactory.CreateAsync("Containers");
        // As DCP would: the cluster's connection string (published once it runs) waits for its brokers' endpoints.
        ResourceConfiguration.AllocateEndpoints(builder);
        return await builder.BuildAsync();
    }

    private static (KafkaClusterResource Cluster, ResourceNotificationService Notifications) Parts(DistributedApplication app) =>
        (app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<KafkaClusterResource>().Single(),
            app.Services.GetRequiredService<ResourceNotificationService>());

    private static InitializeResourceEvent InitializeEvent(DistributedApplication app, IResource resource) =>
        new(resource, app.Services.GetRequiredService<IDistributedApplicationEventing>(), app.Services.GetRequiredService<ResourceLoggerService>(),
            app.Services.GetRequiredService<ResourceNotificationService>(), app.Services);

    /// <summary>Brokers that are healthy at once, one that failed as Aspire reports it, and the rest never healthy.</summary>
    private sealed class BrokerHealth(params string[] healthy)
    {
        public string? Failed { get; init; }

        public Task WaitAsync(string broker, CancellationToken cancellationToken) =>
            healthy.Contains(broker) ? Task.CompletedTask
            : broker == Failed ? Task.FromException(new DistributedApplicationException($"Stopped waiting for resource '{broker}' to become healthy because it failed to start."))
            : Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private static string? State(ResourceNotificationService notifications, IResource resource) =>
        notifications.TryGetCurrentState(resource.Name, out var current) ? current.Snapshot.State?.Text : null;

    private static async Task<string> LogOfAsync(DistributedApplication app, IResource resource)
    {
        // The backlog arrives as the watch's first batch; the watch itself never ends.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(resource).WithCancellation(timeout.Token))
        {
            return string.Join("\n", batch.Select(line => line.Content));
        }

        return "";
    }
}

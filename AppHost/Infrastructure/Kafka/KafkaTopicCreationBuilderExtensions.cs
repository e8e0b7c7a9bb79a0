namespace HpcAspire.AppHost.Infrastructure.Kafka;

/// <summary>The one-shot container that creates the application's topics (create-topics.sh in the cp-kafka image).</summary>
public sealed class KafkaTopicCreationResource(string name) : ContainerResource(name);

internal static class KafkaTopicCreationBuilderExtensions
{
    internal const string ScriptFile = "create-topics.sh";

    /// <summary>
    /// Creates the topics of <see cref="KafkaSettings.Topics"/> with the configured replication factor and
    /// min.insync.replicas, over the brokers' internal listeners. Part of the published model, so a deployment of the
    /// manifest (a Kubernetes Job) creates them as <c>dotnet run</c> does: the brokers do not auto-create topics.
    /// </summary>
    public static IResourceBuilder<KafkaTopicCreationResource> AddKafkaTopicCreation(
        this IDistributedApplicationBuilder builder, string name, KafkaClusterResource cluster, KafkaSettings settings)
    {
        var script = File.ReadAllText(Path.Combine(builder.AppHostDirectory, "Infrastructure", "Kafka", ScriptFile));
        return builder.AddResource(new KafkaTopicCreationResource(name))
            .WithImage(KafkaClusterBuilderExtensions.KafkaImage, KafkaClusterBuilderExtensions.ConfluentPlatformTag)
            .WithEntrypoint("bash")
            .WithArgs("-c", script, ScriptFile)
            .WithEnvironment("TOPICS_BOOTSTRAP_SERVERS", cluster.InternalBootstrapServers)
            .WithEnvironment("TOPICS", string.Join(" ", settings.Topics.Select(topic => $"{topic.Key}:{topic.Value}")))
            .WithEnvironment("TOPICS_REPLICATION_FACTOR", settings.ReplicationFactor.ToString())
            .WithEnvironment("TOPICS_MIN_INSYNC_REPLICAS", settings.MinInsyncReplicas.ToString())
            .WithEnvironment("TOPICS_TIMEOUT_SECONDS", "120");
    }
}

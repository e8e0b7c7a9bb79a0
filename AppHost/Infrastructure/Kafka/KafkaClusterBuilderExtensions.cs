using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HpcAspire.AppHost.Infrastructure.Kafka;

internal static class KafkaClusterBuilderExtensions
{
    // Pinned with the Schema Registry image: one Confluent Platform release.
    internal const string KafkaImage = "confluentinc/cp-kafka";
    internal const string ConfluentPlatformTag = "8.0.0";

    // KRaft needs one id for the whole cluster: 16 bytes, base64url ("HpcAspireKafka01").
    internal const string ClusterId = "SHBjQXNwaXJlS2Fma2EwMQ";

    // Where cp-kafka keeps its log segments (the image's declared volume); a named volume there keeps a broker's
    // data when the dashboard restarts its container.
    internal const string DataDirectory = "/var/lib/kafka/data";

    // The image's default is a 1 GiB heap per broker; three of them and the registry do not fit the 2 GiB a small
    // Docker Desktop VM gives. 512 MiB is plenty for this application's few MB/s.
    internal const string BrokerHeap = "-Xms512m -Xmx512m";

    /// <summary>
    /// A cluster of KRaft broker containers (each broker is also a controller), and the one-shot container that
    /// creates the application's topics. The connection string lists every broker's host listener; the cluster runs
    /// once every broker is healthy and the topics exist.
    /// </summary>
    public static IResourceBuilder<KafkaClusterResource> AddKafkaContainers(
        this IDistributedApplicationBuilder builder, string name, KafkaSettings settings)
    {
        var cluster = new KafkaClusterResource(name, settings);
        var clusterBuilder = builder.AddResource(cluster)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "KafkaCluster",
                State = KnownResourceStates.NotStarted,
                Properties = [new("Brokers", settings.Brokers), new("ReplicationFactor", settings.ReplicationFactor)],
            });

        var voters = string.Join(",", Enumerable.Range(1, settings.Brokers)
            .Select(id => $"{id}@{BrokerName(name, id)}:{KafkaBrokerResource.ControllerPort}"));

        var brokers = new List<IResourceBuilder<KafkaBrokerResource>>();
        for (var nodeId = 1; nodeId <= settings.Brokers; nodeId++)
        {
            var broker = new KafkaBrokerResource(BrokerName(name, nodeId), nodeId);
            cluster.AddBroker(broker);
            brokers.Add(builder.AddResource(broker)
                .WithImage(KafkaImage, ConfluentPlatformTag)
                .WithEndpoint(targetPort: KafkaBrokerResource.HostPort, name: KafkaBrokerResource.HostEndpointName)
                .WithEndpoint(targetPort: KafkaBrokerResource.InternalPort, name: KafkaBrokerResource.InternalEndpointName)
                .WithEndpoint(targetPort: KafkaBrokerResource.ControllerPort, name: KafkaBrokerResource.ControllerEndpointName)
                .WithVolume(VolumeName(broker.Name), DataDirectory)
                .WithEnvironment(context => ConfigureBroker(context, broker, settings, voters))
                .WithHealthCheck(AddMetadataHealthCheck(builder, broker.Name,
                    ct => broker.HostEndpoint.Property(EndpointProperty.HostAndPort).GetValueAsync(ct), requiredBrokers: 1, checkAdvertised: true))
                .WithParentRelationship(clusterBuilder));
        }

        var topics = builder.AddKafkaTopicCreation($"{name}-topics", cluster, settings);
        foreach (var broker in brokers)
        {
            topics.WaitFor(broker);
        }

        topics.WithParentRelationship(clusterBuilder);
        cluster.TopicCreation = topics.Resource;

        clusterBuilder.WithHealthCheck(AddMetadataHealthCheck(builder, name,
            ct => cluster.ConnectionStringExpression.GetValueAsync(ct), requiredBrokers: settings.Brokers, checkAdvertised: true));
        clusterBuilder.OnInitializeResource((resource, @event, ct) => KafkaClusterStartup.RunAsync(resource, @event, KafkaClusterStartup.DefaultTimeout, ct));
        return clusterBuilder;
    }

    internal static string BrokerName(string clusterName, int nodeId) => $"{clusterName}-{nodeId}";

    // Fixed rather than Aspire's generated names (which hash the AppHost's path), so the published manifest is the
    // same on every machine.
    internal static string VolumeName(string brokerName) => $"hpcaspire-{brokerName}-data";

    private static void ConfigureBroker(EnvironmentCallbackContext context, KafkaBrokerResource broker, KafkaSettings settings, string voters)
    {
        var env = context.EnvironmentVariables;
        env["CLUSTER_ID"] = ClusterId;
        env["KAFKA_NODE_ID"] = broker.NodeId.ToString();
        env["KAFKA_PROCESS_ROLES"] = "broker,controller";
        env["KAFKA_CONTROLLER_QUORUM_VOTERS"] = voters;
        env["KAFKA_CONTROLLER_LISTENER_NAMES"] = "CONTROLLER";
        env["KAFKA_INTER_BROKER_LISTENER_NAME"] = "INTERNAL";
        env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] = "CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,HOST:PLAINTEXT";
        env["KAFKA_LISTENERS"] =
            $"HOST://0.0.0.0:{KafkaBrokerResource.HostPort},INTERNAL://0.0.0.0:{KafkaBrokerResource.InternalPort},CONTROLLER://0.0.0.0:{KafkaBrokerResource.ControllerPort}";

        // Run mode: services on the host reach the broker through its host (proxy) port, containers by resource name
        // on Aspire's container network. Publish mode: the endpoints' own addresses. HostEndpoint is pinned to the
        // host network, so its port here is the host port even though this environment is resolved for a container.
        env["KAFKA_ADVERTISED_LISTENERS"] = context.ExecutionContext.IsRunMode
            ? ReferenceExpression.Create(
                $"HOST://localhost:{broker.HostEndpoint.Property(EndpointProperty.Port)},INTERNAL://{broker.Name}:{KafkaBrokerResource.InternalPort.ToString()}")
            : ReferenceExpression.Create(
                $"HOST://{broker.HostEndpoint.Property(EndpointProperty.HostAndPort)},INTERNAL://{broker.InternalEndpoint.Property(EndpointProperty.HostAndPort)}");

        var replication = settings.ReplicationFactor.ToString();
        var minIsr = settings.MinInsyncReplicas.ToString();
        env["KAFKA_DEFAULT_REPLICATION_FACTOR"] = replication;
        env["KAFKA_MIN_INSYNC_REPLICAS"] = minIsr;
        env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] = replication;
        env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] = replication;
        env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] = minIsr;
        env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] = "false";
        env["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"] = "0";
        env["KAFKA_LOG_DIRS"] = DataDirectory;
        env["KAFKA_HEAP_OPTS"] = BrokerHeap;
    }

    internal static string AddMetadataHealthCheck(
        IDistributedApplicationBuilder builder, string resourceName, Func<CancellationToken, ValueTask<string?>> bootstrapServers, int requiredBrokers,
        bool checkAdvertised = false)
    {
        var key = $"{resourceName}-metadata";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            key, _ => new KafkaClusterHealthCheck(bootstrapServers, requiredBrokers, checkAdvertised), failureStatus: null, tags: null));
        return key;
    }
}

namespace HpcAspire.AppHost.Infrastructure.Kafka;

/// <summary>Kafdrop, the web UI for browsing the cluster's brokers, topics and Avro messages.</summary>
public sealed class KafdropResource(string name) : ContainerResource(name);

internal static class KafdropBuilderExtensions
{
    internal const string Image = "obsidiandynamics/kafdrop";
    internal const string Tag = "4.1.0";
    private const int Port = 9000;

    public static IResourceBuilder<KafdropResource> AddKafdrop(
        this IDistributedApplicationBuilder builder, string name,
        IResourceBuilder<KafkaClusterResource> kafka, IResourceBuilder<SchemaRegistryResource> schemaRegistry) =>
        builder.AddResource(new KafdropResource(name))
            .WithImage(Image, Tag)
            .WithHttpEndpoint(targetPort: Port, name: "http")
            .WithEnvironment("KAFKA_BROKERCONNECT", kafka.Resource.InternalBootstrapServers)
            .WithEnvironment("SCHEMAREGISTRY_CONNECT", "http://" + schemaRegistry.Resource.Name + ":" + SchemaRegistryResource.Port)
            // Values are Avro on the application's topics; keys are plain strings (node or job ids), which Kafdrop would
            // also decode as Avro unless the key format is set. The processor-state and dead-letters topics carry
            // no Avro (snapshots and failed messages as they came): choose DEFAULT for them in Kafdrop's topic view.
            .WithEnvironment("CMD_ARGS", "--message.format=AVRO --message.keyFormat=DEFAULT --topic.deleteEnabled=false")
            .WithHttpHealthCheck("/actuator/health")
            .WithReferenceRelationship(kafka)
            .WaitFor(kafka)
            .WaitFor(schemaRegistry);
}

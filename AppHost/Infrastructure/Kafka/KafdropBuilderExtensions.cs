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
            .WithEnvironment("CMD_ARGS", "--message.format=AVRO --topic.deleteEnabled=false")
            .WithHttpHealthCheck("/actuator/health")
            .WithReferenceRelationship(kafka)
            .WaitFor(kafka)
            .WaitFor(schemaRegistry);
}

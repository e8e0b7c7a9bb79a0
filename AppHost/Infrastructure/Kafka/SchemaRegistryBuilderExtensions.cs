namespace HpcAspire.AppHost.Infrastructure.Kafka;

/// <summary>Confluent Schema Registry in a container, storing schemas in the cluster's _schemas topic.</summary>
public sealed class SchemaRegistryResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    internal const string HttpEndpointName = "http";
    internal const int Port = 8081;

    public EndpointReference HttpEndpoint => field ??= new(this, HttpEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{HttpEndpoint.Property(EndpointProperty.Url)}");
}

internal static class SchemaRegistryBuilderExtensions
{
    /// <summary>
    /// The product's own Confluent-compatible registry (embedded mode): a project resource named
    /// <c>&lt;name&gt;-service</c>, and a connection string <c>&lt;name&gt;</c> with its URL, so services
    /// see <c>ConnectionStrings:&lt;name&gt;</c> as in containers mode. Its schemas persist under the data directory.
    /// </summary>
    public static (IResourceBuilder<IResourceWithConnectionString> Registry, IResourceBuilder<ProjectResource> Service) AddEmbeddedSchemaRegistry(
        this IDistributedApplicationBuilder builder, string name, InfrastructureSettings infrastructure)
    {
        var service = builder.AddProject<Projects.HpcAspire_SchemaRegistry>($"{name}-service", launchProfileName: null)
            .WithBuiltAssemblyLaunch()
            .WithPlainHttpEndpoint()
            .WithEnvironment("SchemaRegistry__DataDirectory", Path.Combine(infrastructure.DataDirectory, name))
            .WithHttpHealthCheck("/health")
            .ExcludeFromManifest();
        var registry = builder.AddConnectionString(name, ReferenceExpression.Create($"{service.GetEndpoint("http")}"));
        registry.ExcludeFromManifest();
        return (registry, service);
    }

    internal const string Image = "confluentinc/cp-schema-registry";

    public static IResourceBuilder<SchemaRegistryResource> AddSchemaRegistry(
        this IDistributedApplicationBuilder builder, string name, IResourceBuilder<KafkaClusterResource> kafka)
    {
        var registry = new SchemaRegistryResource(name);
        return builder.AddResource(registry)
            .WithImage(Image, KafkaClusterBuilderExtensions.ConfluentPlatformTag)
            .WithHttpEndpoint(targetPort: SchemaRegistryResource.Port, name: SchemaRegistryResource.HttpEndpointName)
            .WithEnvironment("SCHEMA_REGISTRY_HOST_NAME", name)
            .WithEnvironment("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:" + SchemaRegistryResource.Port)
            .WithEnvironment("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS",
                string.Join(",", kafka.Resource.InternalBootstrapServers.Split(',').Select(server => $"PLAINTEXT://{server}")))
            .WithEnvironment("SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR", kafka.Resource.Settings.ReplicationFactor.ToString())
            .WithHttpHealthCheck("/subjects")
            .WithReferenceRelationship(kafka)
            .WaitFor(kafka);
    }
}

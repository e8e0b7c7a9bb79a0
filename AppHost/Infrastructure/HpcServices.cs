namespace HpcAspire.AppHost.Infrastructure;

/// <summary>The Schema Registry as the services see it: the connection string they reference and the resource they wait for.</summary>
internal sealed record SchemaRegistryReference(IResourceBuilder<IResourceWithConnectionString> ConnectionString, IResourceBuilder<IResource> Server);

/// <summary>The wiring every service of the application shares, so AppHost.cs names only what differs.</summary>
internal static class HpcServices
{
    /// <summary>
    /// A service of the application: its project, started from its built assembly, on a plain HTTP endpoint with <c>/health</c> checked, traces sampled as
    /// configured, prompt tiering, and the Schema Registry referenced and waited for (every service reads or writes Avro).
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddService<TProject>(this IDistributedApplicationBuilder builder, string name,
        SchemaRegistryReference schemaRegistry)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name, launchProfileName: null)
            .WithBuiltAssemblyLaunch()
            .WithPlainHttpEndpoint()
            .WithHttpHealthCheck("/health")
            .WithTraceSampling()
            .WithPromptTiering()
            .WithReference(schemaRegistry.ConnectionString).WaitFor(schemaRegistry.Server);

    /// <summary>The service on the RabbitMQ transport: the broker referenced and waited for, with the shards and replicas every service must agree on.</summary>
    public static IResourceBuilder<ProjectResource> WithRabbitMQ(this IResourceBuilder<ProjectResource> service,
        IResourceBuilder<IResourceWithConnectionString> broker, RabbitMQSettings settings) =>
        service.WithRabbitMQTransport(settings).WithReference(broker).WaitFor(broker);

    /// <summary>The resource name of instance <paramref name="instance"/> of a scaled service: <c>processor</c>, <c>processor-1</c>, …</summary>
    public static string InstanceName(string name, int instance) => instance == 0 ? name : $"{name}-{instance}";
}

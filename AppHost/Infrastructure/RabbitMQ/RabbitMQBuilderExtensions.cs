namespace HpcAspire.AppHost.Infrastructure.RabbitMQ;

internal static class RabbitMQBrokerBuilderExtensions
{
    /// <summary>
    /// RabbitMQ with its management UI and a generated user and password: the rabbitmq image in
    /// containers mode, Debian's rabbitmq-server as a local process in embedded mode. Either way
    /// the connection string is an amqp:// URI.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRabbitMQBroker(
        this IDistributedApplicationBuilder builder, string name, InfrastructureSettings infrastructure)
    {
        var userName = builder.AddParameter($"{name}-username", new GenerateParameterDefault
        {
            MinLength = 12, Upper = false, Numeric = false, Special = false,
        }, secret: false);
        var password = builder.AddParameter($"{name}-password", new GenerateParameterDefault
        {
            MinLength = 22, Special = false,
        }, secret: true);

        return infrastructure.Mode == InfrastructureMode.Embedded
            ? builder.AddLocalRabbitMQ(name, userName, password, infrastructure)
            : builder.AddRabbitMQ(name, userName, password).WithImageTag(ContainerImageTag).WithManagementPlugin()
                // Quorum queues and their messages survive a restart of the container (a fixed name: the manifest must
                // not depend on the machine's paths).
                .WithDataVolume("hpcaspire-rabbitmq-data");
    }

    // Pinned to a release like the Kafka images, rather than the integration's moving "4.3-management".
    internal const string ContainerImageTag = "4.3.4-management";
}

namespace HpcAspire.AppHost.Infrastructure.RabbitMQ;

/// <summary>
/// Debian's rabbitmq-server run by the AppHost as a local process (embedded mode): private data,
/// log and home directories, its own epmd, loopback only, management UI on.
/// </summary>
public sealed class LocalRabbitMQResource(string name, string command, string workingDirectory, ParameterResource userName, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";
    internal const string ManagementEndpointName = "management";

    public ParameterResource UserName { get; } = userName;

    public ParameterResource Password { get; } = password;

    public EndpointReference PrimaryEndpoint => field ??= new(this, PrimaryEndpointName);

    // 127.0.0.1 rather than localhost: the server listens on IPv4 loopback only.
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"amqp://{UserName:uri}:{Password:uri}@127.0.0.1:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

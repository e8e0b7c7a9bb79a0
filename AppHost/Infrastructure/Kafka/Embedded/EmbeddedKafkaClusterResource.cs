namespace HpcAspire.AppHost.Infrastructure.Kafka.Embedded;

/// <summary>
/// librdkafka's mock Kafka cluster hosted inside the AppHost (embedded mode). Its connection
/// string lists every broker, like the container cluster's; it is known once the cluster runs.
/// </summary>
public sealed class EmbeddedKafkaClusterResource : Resource, IResourceWithConnectionString
{
    private readonly List<EmbeddedKafkaBrokerResource> _brokers = [];

    public EmbeddedKafkaClusterResource(string name, KafkaSettings settings) : base(name)
    {
        Settings = settings;
        BootstrapServers = new EmbeddedBootstrapServers(this);
    }

    public KafkaSettings Settings { get; }

    public IReadOnlyList<EmbeddedKafkaBrokerResource> Brokers => _brokers;

    internal EmbeddedBootstrapServers BootstrapServers { get; }

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{BootstrapServers}");

    internal void AddBroker(EmbeddedKafkaBrokerResource broker) => _brokers.Add(broker);
}

/// <summary>One broker of the embedded cluster; the dashboard stops and starts it.</summary>
public sealed class EmbeddedKafkaBrokerResource(string name, int brokerId, EmbeddedKafkaClusterResource cluster)
    : Resource(name), IResourceWithParent<EmbeddedKafkaClusterResource>
{
    public int BrokerId { get; } = brokerId;

    public EmbeddedKafkaClusterResource Parent { get; } = cluster;
}

/// <summary>The mock's bootstrap servers: its brokers pick their ports when the cluster starts.</summary>
internal sealed class EmbeddedBootstrapServers(IResource cluster) : IValueProvider, IManifestExpressionProvider
{
    private readonly TaskCompletionSource<string> _servers = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string ValueExpression => $"{{{cluster.Name}.connectionString}}";

    public async ValueTask<string?> GetValueAsync(CancellationToken cancellationToken = default) =>
        await _servers.Task.WaitAsync(cancellationToken);

    internal void Set(string servers) => _servers.TrySetResult(servers);
}

namespace HpcAspire.AppHost.Infrastructure.Kafka;

/// <summary>
/// A Kafka cluster of broker containers. Its connection string lists every broker's host
/// listener, so a client bootstraps from any live one.
/// </summary>
public sealed class KafkaClusterResource(string name, KafkaSettings settings) : Resource(name), IResourceWithConnectionString
{
    private readonly List<KafkaBrokerResource> _brokers = [];

    public KafkaSettings Settings { get; } = settings;

    public IReadOnlyList<KafkaBrokerResource> Brokers => _brokers;

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var bootstrap = new ReferenceExpressionBuilder();
            for (var i = 0; i < _brokers.Count; i++)
            {
                if (i > 0)
                {
                    bootstrap.AppendLiteral(",");
                }

                bootstrap.AppendFormatted(_brokers[i].HostEndpoint.Property(EndpointProperty.HostAndPort));
            }

            return bootstrap.Build();
        }
    }

    /// <summary>The cluster's internal listeners, for containers on the same network (registry, Kafdrop).</summary>
    public string InternalBootstrapServers =>
        string.Join(",", _brokers.Select(broker => $"{broker.Name}:{KafkaBrokerResource.InternalPort}"));

    /// <summary>The container that creates the application's topics once the brokers run.</summary>
    public KafkaTopicCreationResource? TopicCreation { get; internal set; }

    internal void AddBroker(KafkaBrokerResource broker) => _brokers.Add(broker);
}

/// <summary>One KRaft broker (combined broker and controller) of a <see cref="KafkaClusterResource"/>.</summary>
public sealed class KafkaBrokerResource(string name, int nodeId) : ContainerResource(name)
{
    internal const string HostEndpointName = "tcp";
    internal const string InternalEndpointName = "internal";
    internal const string ControllerEndpointName = "controller";
    internal const int HostPort = 9092;
    internal const int InternalPort = 9093;
    internal const int ControllerPort = 9094;

    public int NodeId { get; } = nodeId;

    /// <summary>
    /// The listener clients on the host (the application's services) use. Pinned to the host network: the broker's
    /// own environment is resolved on the container network, where an unpinned reference would give the container
    /// port (9092) instead of the host port the proxy listens on, and the broker would advertise an address no host
    /// client can reach.
    /// </summary>
    public EndpointReference HostEndpoint => field ??= new(this, HostEndpointName, KnownNetworkIdentifiers.LocalhostNetwork);

    /// <summary>The listener brokers and containers on the cluster network use.</summary>
    public EndpointReference InternalEndpoint => field ??= new(this, InternalEndpointName, KnownNetworkIdentifiers.DefaultAspireContainerNetwork);
}

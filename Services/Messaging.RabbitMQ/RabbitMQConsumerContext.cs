using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>What every <see cref="RabbitMQConsumer"/> needs, registered once by <c>AddRabbitMQMessaging</c>.</summary>
public sealed class RabbitMQConsumerContext(
    IConnection connection, HpcTopology topology, RabbitMQTelemetry telemetry, RabbitMQTransportSettings settings, ILoggerFactory loggerFactory, string serviceName)
{
    public IConnection Connection { get; } = connection;

    public HpcTopology Topology { get; } = topology;

    public RabbitMQTelemetry Telemetry { get; } = telemetry;

    public RabbitMQTransportSettings Settings { get; } = settings;

    public ILoggerFactory LoggerFactory { get; } = loggerFactory;

    public string ServiceName { get; } = serviceName;
}

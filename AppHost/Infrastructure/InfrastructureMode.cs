namespace HpcAspire.AppHost.Infrastructure;

/// <summary>How the AppHost provides Kafka, Schema Registry, Kafdrop and RabbitMQ.</summary>
public enum InfrastructureMode
{
    /// <summary>Containers when a healthy container runtime answers, embedded otherwise.</summary>
    Auto,

    /// <summary>Real brokers in containers (Docker or Podman); what publishing describes.</summary>
    Containers,

    /// <summary>No container runtime: librdkafka's mock cluster and a local rabbitmq-server.</summary>
    Embedded,
}

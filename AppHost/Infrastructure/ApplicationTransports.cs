namespace HpcAspire.AppHost.Infrastructure;

/// <summary>Which of the two applications the AppHost runs, from <c>Application:Transports</c>; RabbitMQ starts only with its application; Kafka and the Schema Registry always (the registry serves both).</summary>
[Flags]
public enum ApplicationTransports
{
    Kafka = 1,
    RabbitMQ = 2,
    Both = Kafka | RabbitMQ,
}

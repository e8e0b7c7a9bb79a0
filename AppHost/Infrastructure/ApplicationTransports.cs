namespace HpcAspire.AppHost.Infrastructure;

/// <summary>Which of the two applications the AppHost runs, from <c>Application:Transports</c>; the infrastructure starts either way.</summary>
[Flags]
public enum ApplicationTransports
{
    Kafka = 1,
    RabbitMQ = 2,
    Both = Kafka | RabbitMQ,
}

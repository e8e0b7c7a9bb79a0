using Microsoft.Extensions.Configuration;

namespace HpcAspire.Messaging;

/// <summary>The broker a service's adapters talk to, from <c>Messaging:Transport</c>; the domain logic is the same for both.</summary>
public enum MessagingTransport
{
    Kafka,
    RabbitMQ,
}

public static class MessagingTransports
{
    public const string Key = "Messaging:Transport";

    /// <summary>The configured transport (Kafka when unset); an unknown value stops the service with the fix.</summary>
    public static MessagingTransport Read(IConfiguration configuration)
    {
        var raw = configuration[Key];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return MessagingTransport.Kafka;
        }

        return Enum.TryParse<MessagingTransport>(raw, ignoreCase: true, out var transport) && Enum.IsDefined(transport)
            ? transport
            : throw new InvalidOperationException($"{Key} is '{raw}'; set it to Kafka or RabbitMQ.");
    }
}

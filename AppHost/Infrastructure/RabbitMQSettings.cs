using Microsoft.Extensions.Configuration;

namespace HpcAspire.AppHost.Infrastructure;

/// <summary>Settings of the embedded RabbitMQ server (containers mode uses the image's defaults).</summary>
public sealed record RabbitMQSettings
{
    public const string SectionName = "RabbitMQ";

    /// <summary>The rabbitmq-server script; Debian's package installs it here.</summary>
    public string ServerPath { get; init; } = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    /// <summary>AMQP port of the embedded server; 0 picks a free port at start.</summary>
    public int Port { get; init; }

    /// <summary>Management UI port of the embedded server; 0 picks a free port at start.</summary>
    public int ManagementPort { get; init; }

    internal static RabbitMQSettings Load(IConfigurationSection section)
    {
        var defaults = new RabbitMQSettings();
        var settings = new RabbitMQSettings
        {
            ServerPath = section[nameof(ServerPath)] is { Length: > 0 } path ? path : defaults.ServerPath,
            Port = ReadPort(section, nameof(Port)),
            ManagementPort = ReadPort(section, nameof(ManagementPort)),
        };
        return settings;
    }

    private static int ReadPort(IConfigurationSection section, string key)
    {
        var raw = section[key];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return 0;
        }

        return int.TryParse(raw, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new InfrastructureConfigurationException(
                $"{section.Path}:{key} is '{raw}', which is not a TCP port. Set it between 1 and 65535, or 0 to pick a free port.");
    }
}

using Microsoft.Extensions.Configuration;

namespace HpcAspire.AppHost.Infrastructure;

/// <summary>
/// Settings of the embedded RabbitMQ server (containers mode uses the image's defaults), and the shape of the
/// RabbitMQ application: how many processor replicas, over how many reading shards.
/// </summary>
public sealed record RabbitMQSettings
{
    public const string SectionName = "RabbitMQ";

    /// <summary>The rabbitmq-server script; Debian's package installs it here.</summary>
    public string ServerPath { get; init; } = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    /// <summary>AMQP port of the embedded server; 0 picks a free port at start.</summary>
    public int Port { get; init; }

    /// <summary>Management UI port of the embedded server; 0 picks a free port at start.</summary>
    public int ManagementPort { get; init; }

    /// <summary>Processor replicas of the RabbitMQ application (competing consumers of the reading shards).</summary>
    public int Processors { get; init; } = 1;

    /// <summary>Quorum queues the readings are sharded into by node; replicas split them, so at most this many replicas get work.</summary>
    public int ReadingShards { get; init; } = 4;

    internal static RabbitMQSettings Load(IConfigurationSection section)
    {
        var defaults = new RabbitMQSettings();
        var settings = new RabbitMQSettings
        {
            ServerPath = section[nameof(ServerPath)] is { Length: > 0 } path ? path : defaults.ServerPath,
            Port = ReadPort(section, nameof(Port)),
            ManagementPort = ReadPort(section, nameof(ManagementPort)),
            Processors = ReadCount(section, nameof(Processors), defaults.Processors, 16),
            ReadingShards = ReadCount(section, nameof(ReadingShards), defaults.ReadingShards, 64),
        };
        if (settings.Processors > settings.ReadingShards)
        {
            throw new InfrastructureConfigurationException(
                $"{section.Path}:Processors is {settings.Processors} but {section.Path}:ReadingShards is {settings.ReadingShards}: a replica without a shard gets no readings. " +
                $"Raise ReadingShards to at least {settings.Processors}.");
        }

        return settings;
    }

    private static int ReadCount(IConfigurationSection section, string key, int fallback, int max)
    {
        var raw = section[key];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }

        return int.TryParse(raw, out var count) && count >= 1 && count <= max
            ? count
            : throw new InfrastructureConfigurationException($"{section.Path}:{key} is '{raw}'. Set it to a whole number from 1 to {max}.");
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

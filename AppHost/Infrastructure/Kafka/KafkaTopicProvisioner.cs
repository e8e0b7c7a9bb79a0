using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;

namespace HpcAspire.AppHost.Infrastructure.Kafka;

/// <summary>Creates the application's topics on a real cluster; topics that exist already are left as they are.</summary>
internal static class KafkaTopicProvisioner
{
    public static async Task CreateTopicsAsync(string bootstrapServers, KafkaSettings settings, ILogger logger, CancellationToken cancellationToken)
    {
        if (settings.Topics.Count == 0)
        {
            return;
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var specifications = settings.Topics.Select(topic => new TopicSpecification
        {
            Name = topic.Key,
            NumPartitions = topic.Value,
            ReplicationFactor = (short)settings.ReplicationFactor,
            Configs = new() { ["min.insync.replicas"] = settings.MinInsyncReplicas.ToString() },
        }).ToList();

        try
        {
            await admin.CreateTopicsAsync(specifications).WaitAsync(cancellationToken);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Topics kept from an earlier run are fine; their partition counts are not changed here.
        }

        foreach (var (topic, partitions) in settings.Topics)
        {
            logger.LogInformation("Topic {Topic}: {Partitions} partitions, replication factor {ReplicationFactor}", topic, partitions, settings.ReplicationFactor);
        }
    }
}

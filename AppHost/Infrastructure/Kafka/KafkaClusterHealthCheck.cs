using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HpcAspire.AppHost.Infrastructure.Kafka;

/// <summary>
/// Healthy when the cluster answers a metadata request and at least <paramref name="requiredBrokers"/> brokers are in
/// it. With <paramref name="checkAdvertised"/>, every address dialled must also be one the brokers advertise: a broker
/// that answers on one address but advertises another sends every client to the wrong place after bootstrap.
/// </summary>
internal sealed class KafkaClusterHealthCheck(
    Func<CancellationToken, ValueTask<string?>> bootstrapServers, int requiredBrokers, bool checkAdvertised = false) : IHealthCheck
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var servers = await bootstrapServers(cancellationToken);
        if (string.IsNullOrEmpty(servers))
        {
            return HealthCheckResult.Unhealthy("The cluster has no bootstrap servers yet.");
        }

        Metadata metadata;
        try
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig
            {
                BootstrapServers = servers,
                SocketTimeoutMs = (int)MetadataTimeout.TotalMilliseconds,
            }).SetLogHandler((_, _) => { }).Build();
            metadata = await Task.Run(() => admin.GetMetadata(MetadataTimeout), cancellationToken);
        }
        catch (KafkaException ex)
        {
            return HealthCheckResult.Unhealthy($"No metadata from {servers}: {ex.Error.Reason}", ex);
        }

        if (metadata.Brokers.Count < requiredBrokers)
        {
            return HealthCheckResult.Unhealthy($"{metadata.Brokers.Count} of {requiredBrokers} brokers answer");
        }

        if (checkAdvertised)
        {
            var advertised = metadata.Brokers.Select(broker => $"{broker.Host}:{broker.Port}").ToHashSet(StringComparer.OrdinalIgnoreCase);
            var unadvertised = servers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(server => !advertised.Contains(server)).ToList();
            if (unadvertised.Count > 0)
            {
                return HealthCheckResult.Unhealthy(
                    $"Dialled {string.Join(", ", unadvertised)}, but the brokers advertise {string.Join(", ", advertised.Order())}: clients would be " +
                    "sent to addresses they may not reach. The brokers' KAFKA_ADVERTISED_LISTENERS must name the address clients dial.");
            }
        }

        return HealthCheckResult.Healthy($"{metadata.Brokers.Count} brokers");
    }
}

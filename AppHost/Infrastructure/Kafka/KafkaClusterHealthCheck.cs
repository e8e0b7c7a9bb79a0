using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HpcAspire.AppHost.Infrastructure.Kafka;

/// <summary>
/// Healthy when the cluster answers a metadata request and at least <paramref name="requiredBrokers"/>
/// brokers are in it.
/// </summary>
internal sealed class KafkaClusterHealthCheck(Func<CancellationToken, ValueTask<string?>> bootstrapServers, int requiredBrokers) : IHealthCheck
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var servers = await bootstrapServers(cancellationToken);
        if (string.IsNullOrEmpty(servers))
        {
            return HealthCheckResult.Unhealthy("The cluster has no bootstrap servers yet.");
        }

        try
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig
            {
                BootstrapServers = servers,
                SocketTimeoutMs = (int)MetadataTimeout.TotalMilliseconds,
            }).SetLogHandler((_, _) => { }).Build();
            var metadata = await Task.Run(() => admin.GetMetadata(MetadataTimeout), cancellationToken);
            return metadata.Brokers.Count >= requiredBrokers
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} brokers")
                : HealthCheckResult.Unhealthy($"{metadata.Brokers.Count} of {requiredBrokers} brokers answer");
        }
        catch (KafkaException ex)
        {
            return HealthCheckResult.Unhealthy($"No metadata from {servers}: {ex.Error.Reason}", ex);
        }
    }
}

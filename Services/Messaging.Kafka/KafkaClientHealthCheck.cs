using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HpcAspire.Messaging.Kafka;

/// <summary>Healthy when the client's own connection answers a metadata request: no extra client per check.</summary>
internal sealed class KafkaClientHealthCheck(Handle handle) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.Run(() =>
        {
            try
            {
                using var admin = new DependentAdminClientBuilder(handle).Build();
                var metadata = admin.GetMetadata(Timeout);
                return metadata.Brokers.Count > 0
                    ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} brokers")
                    : HealthCheckResult.Unhealthy("No broker answers.");
            }
            catch (KafkaException ex)
            {
                return HealthCheckResult.Unhealthy($"No metadata: {ex.Error.Reason}", ex);
            }
        }, cancellationToken);
}

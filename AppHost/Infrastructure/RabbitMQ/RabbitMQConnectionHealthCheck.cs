using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace HpcAspire.AppHost.Infrastructure.RabbitMQ;

/// <summary>Healthy when an AMQP connection with the generated credentials opens.</summary>
internal sealed class RabbitMQConnectionHealthCheck(Func<CancellationToken, ValueTask<string?>> connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var factory = new ConnectionFactory
            {
                Uri = new Uri((await connectionString(cancellationToken))!),
                RequestedConnectionTimeout = TimeSpan.FromSeconds(3),
                AutomaticRecoveryEnabled = false,
            };
            await using var connection = await factory.CreateConnectionAsync("health-check", cancellationToken);
            return HealthCheckResult.Healthy($"RabbitMQ {connection.ServerProperties?["version"] switch { byte[] v => System.Text.Encoding.UTF8.GetString(v), var v => v?.ToString() }}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"No AMQP connection: {ex.Message}", ex);
        }
    }
}

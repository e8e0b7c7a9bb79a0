using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HpcAspire.AppHost.Infrastructure;

/// <summary>
/// Every resource's health check, until it first reports healthy, keeps checking every <see cref="Interval"/> for up
/// to <see cref="Budget"/> before it answers. Aspire pauses 1, 2, 3, 4 and then 5 s between the checks of a resource
/// that is not healthy yet, so a resource that became ready just after a check waited up to 5 s for the next one, and
/// everything that waits for it with it (RabbitMQ, then its services: two such pauses on the start-up's critical path).
/// Once healthy, a check answers at once again, so a resource that fails later is reported as promptly as before.
/// </summary>
internal static class PromptReadiness
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>Long enough to cover a start-up's usual wait in one check, short enough that the dashboard hears of a resource that does not come up.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    public static IServiceCollection AddPromptReadiness(this IServiceCollection services) =>
        services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            var states = new ConcurrentDictionary<string, ReadinessState>();
            foreach (var registration in options.Registrations)
            {
                var factory = registration.Factory;
                var state = states.GetOrAdd(registration.Name, _ => new ReadinessState());
                registration.Factory = provider => new PromptHealthCheck(factory(provider), state, Budget, Interval, TimeProvider.System);
            }
        });
}

/// <summary>Whether a health check has reported healthy once; shared by the instances Aspire creates for each check.</summary>
internal sealed class ReadinessState
{
    private volatile bool _healthyOnce;

    public bool HealthyOnce => _healthyOnce;

    public void ReportHealthy() => _healthyOnce = true;
}

/// <summary>Runs <paramref name="inner"/> again every <paramref name="interval"/> until it is healthy or <paramref name="budget"/> has passed; once healthy, just once.</summary>
internal sealed class PromptHealthCheck(IHealthCheck inner, ReadinessState state, TimeSpan budget, TimeSpan interval, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var result = await inner.CheckHealthAsync(context, cancellationToken).ConfigureAwait(false);
            if (result.Status == HealthStatus.Healthy)
            {
                state.ReportHealthy();
                return result;
            }

            if (state.HealthyOnce || time.GetElapsedTime(started) + interval > budget)
            {
                return result;
            }

            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}

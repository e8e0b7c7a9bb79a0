using HpcAspire.AppHost.Infrastructure;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HpcAspire.Tests.Infrastructure;

/// <summary>
/// A resource's health check at start-up: it keeps checking until the resource is healthy (within its budget) instead
/// of answering unhealthy and waiting out Aspire's pause, and once the resource has been healthy it answers at once.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class PromptReadinessTests
{
    [Fact]
    public async Task A_check_that_turns_healthy_within_the_budget_answers_healthy_in_the_same_call()
    {
        var inner = new ScriptedCheck(HealthStatus.Unhealthy, HealthStatus.Unhealthy, HealthStatus.Healthy);
        var check = new PromptHealthCheck(inner, new ReadinessState(), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10), TimeProvider.System);

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(3, inner.Calls);
    }

    [Fact]
    public async Task A_check_that_stays_unhealthy_answers_unhealthy_once_its_budget_is_spent()
    {
        var inner = new ScriptedCheck(HealthStatus.Unhealthy);
        var check = new PromptHealthCheck(inner, new ReadinessState(), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(20), TimeProvider.System);

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.InRange(inner.Calls, 2, 11);
    }

    [Fact]
    public async Task After_being_healthy_once_an_unhealthy_answer_comes_at_once()
    {
        var state = new ReadinessState();
        var inner = new ScriptedCheck(HealthStatus.Healthy, HealthStatus.Unhealthy);
        var check = new PromptHealthCheck(inner, state, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), TimeProvider.System);
        await check.CheckHealthAsync(new HealthCheckContext());

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task Every_registered_health_check_of_the_AppHost_is_prompt()
    {
        var services = new ServiceCollection();
        services.AddHealthChecks().AddCheck("broker", () => HealthCheckResult.Healthy());
        services.AddPromptReadiness();
        var options = services.BuildServiceProvider().GetRequiredService<Microsoft.Extensions.Options.IOptions<HealthCheckServiceOptions>>().Value;

        var registration = Assert.Single(options.Registrations);
        Assert.IsType<PromptHealthCheck>(registration.Factory(services.BuildServiceProvider()));
        await Task.CompletedTask;
    }

    /// <summary>Answers the given statuses in turn, the last one for ever after.</summary>
    private sealed class ScriptedCheck(params HealthStatus[] answers) : IHealthCheck
    {
        public int Calls { get; private set; }

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var status = answers[Math.Min(Calls++, answers.Length - 1)];
            return Task.FromResult(new HealthCheckResult(status, $"answer {Calls}"));
        }
    }
}

using System.Diagnostics;
using HpcAspire.Benchmarks;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HpcAspire.Tests.Infrastructure;

/// <summary>
/// A benchmark's start cannot hang on a broker that never becomes healthy: the wait is bounded, and the failure names
/// the resource, its state and health, what its health check said, and where its log is.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class BoundedStartTests
{
    [Fact]
    public void The_failure_names_the_resource_its_state_and_log()
    {
        var snapshot = new CustomResourceSnapshot
        {
            ResourceType = "Executable",
            Properties = [],
            State = new ResourceStateSnapshot(KnownResourceStates.Waiting, null),
        };

        var message = BoundedStart.NotHealthyMessage("rabbitmq", snapshot, TimeSpan.FromMinutes(3), "/tmp/run.log");

        Assert.Equal("rabbitmq was not healthy within 3 min: state Waiting, health not yet checked. Its log: /tmp/run.log", message);
    }

    [Fact]
    public void A_resource_that_exited_says_its_exit_code()
    {
        var snapshot = new CustomResourceSnapshot
        {
            ResourceType = "Executable",
            Properties = [],
            State = new ResourceStateSnapshot(KnownResourceStates.Exited, null),
            ExitCode = 127,
        };

        var message = BoundedStart.NotHealthyMessage("rabbitmq", snapshot, TimeSpan.FromSeconds(90), "the broker's log", ended: true);

        Assert.StartsWith("rabbitmq ended before it was healthy: state Exited", message);
        Assert.Contains("exit code 127", message);
        Assert.EndsWith("Its log: the broker's log", message);
    }
}

/// <summary>The bound against a real orchestrator (DCP) and an executable whose health check never passes.</summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class BoundedStartOrchestratorTests
{
    [Fact]
    public async Task Waiting_for_a_resource_that_never_becomes_healthy_fails_within_the_bound_with_its_log()
    {
        // The AppHost's builder with none of its resources: only a stand-in broker that runs but never gets healthy.
        var builder = await AppHostFactory.CreateAsync("Embedded");
        foreach (var resource in builder.Resources.Where(r => r is not ParameterResource).ToList())
        {
            builder.Resources.Remove(resource);
        }

        builder.Services.AddHealthChecks().AddCheck("never-healthy", () => HealthCheckResult.Unhealthy("still booting"));
        builder.AddExecutable("broker", "bash", ".", "-c", "echo booting the broker; exec sleep 300").WithHealthCheck("never-healthy");
        await using var app = await builder.BuildAsync();
        var clock = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<ResourceNotReadyException>(() =>
            BoundedStart.StartAsync(app, ["broker"], TimeSpan.FromSeconds(8), "/tmp/broker.log"));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(30));
        // The health check's own answer may still be pending (PromptReadiness keeps checking for 10 s before it answers).
        Assert.Matches(@"^broker was not healthy within 8 s: state Running, health Unhealthy \(never-healthy: (still booting|no answer yet)\)\. Its log: /tmp/broker\.log", failure.Message);
        Assert.Contains("booting the broker", failure.Message);
    }
}

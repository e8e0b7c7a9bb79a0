using System.Diagnostics.Metrics;
using HpcAspire.Domain.Simulation;
using HpcAspire.Generator;
using HpcAspire.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Generator;

/// <summary>The generator's loop with a publisher that records what it is handed.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public class GeneratorWorkerTests
{
    [Fact]
    public async Task A_bounded_run_that_starts_late_still_sends_every_tick_it_was_asked_for()
    {
        // 20 ticks/s and 600 ticks is 30 s of simulated time; the generator starts 40 s after the cluster's start,
        // as it did behind a slow AppHost start.
        var cluster = new ClusterOptions { NodeCount = 4, Seed = 3, StartTime = DateTime.UtcNow.AddSeconds(-40) };
        var publisher = new RecordingPublisher();

        await RunAsync(cluster, new GeneratorOptions { TicksPerSecond = 20, MaxTicks = 600, AlignToWallClock = true }, publisher);

        Assert.Equal(600, publisher.Ticks.Count);
        var simulation = new ClusterSimulation(cluster);
        Assert.Equal(Enumerable.Range(0, 600).Select(_ => simulation.Next().Time), publisher.Ticks.Select(t => t.Time));
        Assert.Equal(0, publisher.Ticks[0].Number);
    }

    [Fact]
    public async Task A_live_run_that_starts_late_skips_the_ticks_it_missed_and_keeps_to_the_wall_clock()
    {
        var cluster = new ClusterOptions { NodeCount = 4, Seed = 3, StartTime = DateTime.UtcNow.AddSeconds(-40) };
        var publisher = new RecordingPublisher { StopAfter = 5 };

        await RunAsync(cluster, new GeneratorOptions { TicksPerSecond = 20, AlignToWallClock = true }, publisher);

        // 40 s late at 20 ticks/s: about tick 800 is due now, and the run starts there.
        Assert.InRange(publisher.Ticks[0].Number, 800, 1200);
    }

    private static async Task RunAsync(ClusterOptions cluster, GeneratorOptions options, RecordingPublisher publisher)
    {
        using var lifetime = new StoppableLifetime();
        publisher.Lifetime = lifetime;
        using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var worker = new GeneratorWorker(cluster, Options.Create(options), publisher, new PipelineStages(metrics.GetRequiredService<IMeterFactory>()),
            lifetime, NullLogger<GeneratorWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        await lifetime.Stopped.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await worker.StopAsync(CancellationToken.None);
    }

    private sealed class RecordingPublisher : ITickPublisher
    {
        public List<ClusterTick> Ticks { get; } = [];

        public int? StopAfter { get; init; }

        public StoppableLifetime? Lifetime { get; set; }

        public string Destination => "a list";

        public ValueTask<int> PublishAsync(ClusterTick tick, CancellationToken cancellationToken)
        {
            Ticks.Add(tick);
            if (Ticks.Count == StopAfter)
            {
                Lifetime!.StopApplication();
            }

            return ValueTask.FromResult(tick.Readings.Count + tick.JobEvents.Count);
        }

        public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Ends the test's run when the worker (a bounded run) or the publisher (a live one) stops it.</summary>
    private sealed class StoppableLifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();

        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
            _stopping.Cancel();
            Stopped.TrySetResult();
        }

        public void Dispose() => _stopping.Dispose();
    }
}

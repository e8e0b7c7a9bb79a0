using System.Diagnostics;
using HpcAspire.Domain.Simulation;
using HpcAspire.Messaging;
using Microsoft.Extensions.Options;

namespace HpcAspire.Generator;

/// <summary>
/// Runs the cluster simulation tick by tick at the configured pace and publishes one of its
/// streams. Both generators run the same simulation, so their streams agree.
/// </summary>
internal sealed class GeneratorWorker(
    ClusterOptions cluster, IOptions<GeneratorOptions> options, ITickPublisher publisher, PipelineStages stages,
    IHostApplicationLifetime lifetime, ILogger<GeneratorWorker> logger) : BackgroundService
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var simulation = new ClusterSimulation(cluster, withSensors: settings.Stream == GeneratedStream.NodeReadings);
        logger.LogInformation("Generating {Stream} to {Destination}: {Nodes} nodes, seed {Seed}, {Rate}, {Limit}",
            settings.Stream, publisher.Destination, cluster.NodeCount, cluster.Seed,
            settings.TicksPerSecond > 0 ? $"{settings.TicksPerSecond} ticks/s" : "as fast as possible",
            settings.MaxTicks > 0 ? $"{settings.MaxTicks} ticks" : "until stopped");

        var clock = Stopwatch.StartNew();
        var origin = settings.AlignToWallClock ? cluster.StartTime : DateTime.UtcNow;
        long tick = 0;
        var late = settings.AlignToWallClock && settings.TicksPerSecond > 0
            ? (long)((DateTime.UtcNow - origin).TotalSeconds * settings.TicksPerSecond)
            : 0;
        if (late > 0 && settings.MaxTicks > 0)
        {
            // A bounded run sends every tick it was asked for: the ticks it is late for go out at once, then the rest
            // at the pace. Both generators then send ticks 0 … MaxTicks-1 whenever each of them started.
            logger.LogInformation("Started {Ticks} ticks after the cluster's start time; a bounded run sends them first, then keeps the pace", late);
        }
        else if (late > 0)
        {
            // A live run keeps in step with the wall clock (and with the other generator): the missed ticks are
            // simulated, so the cluster's state is right, but not sent.
            for (; tick < late; tick++)
            {
                simulation.Next();
            }

            logger.LogWarning("Started {Ticks} ticks after the cluster's start time; those ticks were simulated, not sent", tick);
        }

        var lastProgress = TimeSpan.Zero;
        long messages = 0;
        long sentTicks = 0;
        while (!stoppingToken.IsCancellationRequested && (settings.MaxTicks == 0 || tick < settings.MaxTicks))
        {
            var loopStartedAt = PipelineStages.Now();
            messages += await publisher.PublishAsync(simulation.Next(), stoppingToken);
            stages.Record(PipelineStages.Loop, "", loopStartedAt); // the tick's work, not the wait for the next
            tick++;
            sentTicks++;

            if (settings.TicksPerSecond > 0)
            {
                var due = origin.AddSeconds(tick / settings.TicksPerSecond) - DateTime.UtcNow;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }

            if (clock.Elapsed - lastProgress >= ProgressInterval)
            {
                lastProgress = clock.Elapsed;
                logger.LogInformation("{Ticks} ticks, {Messages} messages, {Rate:F0} messages/s", sentTicks, messages, messages / clock.Elapsed.TotalSeconds);
            }
        }

        await publisher.FlushAsync(stoppingToken);
        logger.LogInformation("Generated {Ticks} ticks, {Messages} messages in {Seconds:F1} s", sentTicks, messages, clock.Elapsed.TotalSeconds);
        if (settings.MaxTicks > 0 && !stoppingToken.IsCancellationRequested)
        {
            // A bounded run is done; its resource shows Finished on the dashboard.
            lifetime.StopApplication();
        }
    }
}

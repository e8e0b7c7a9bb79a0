using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HpcAspire.AppHost.Infrastructure;

/// <summary>
/// Logs each resource as it becomes ready and, once every resource is, how long the start took:
/// the AppHost console shows progress without the dashboard.
/// </summary>
internal static class StartupProgress
{
    public static void ReportStartupProgress(this IDistributedApplicationBuilder builder)
    {
        var clock = new Stopwatch();
        var ready = new ConcurrentDictionary<string, TimeSpan>();
        ILogger? logger = null;
        string[] expected = [];

        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            clock.Start();
            logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HpcAspire.Startup");
            expected = @event.Model.Resources
                // Aspire's own helpers (a rebuilder per project, hidden resources) never report ready.
                .Where(resource => resource is not ParameterResource and not ConnectionStringResource)
                .Where(resource => !resource.Annotations.OfType<HiddenAnnotation>().Any())
                .Where(resource => !resource.TryGetLastAnnotation<ResourceSnapshotAnnotation>(out var snapshot) || !snapshot.InitialSnapshot.IsHidden)
                .Select(resource => resource.Name).ToArray();
            logger.LogInformation("Starting {Count} resources: {Resources}", expected.Length, string.Join(", ", expected));
            return Task.CompletedTask;
        });

        builder.Eventing.Subscribe<ResourceReadyEvent>((@event, _) =>
        {
            if (expected.Contains(@event.Resource.Name) && ready.TryAdd(@event.Resource.Name, clock.Elapsed))
            {
                logger?.LogInformation("{Resource} ready after {Seconds:0.0} s", @event.Resource.Name, clock.Elapsed.TotalSeconds);
                if (expected.Length > 0 && expected.All(ready.ContainsKey))
                {
                    logger?.LogInformation("All {Count} resources ready after {Seconds:0.0} s", expected.Length, clock.Elapsed.TotalSeconds);
                }
            }

            return Task.CompletedTask;
        });
    }
}

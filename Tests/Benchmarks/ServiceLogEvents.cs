using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace HpcAspire.Benchmarks;

/// <summary>
/// Counts, in the services' logs, the events that explain a run that falls behind: the processor pausing its reading
/// partitions (too many readings ahead of the scheduler's clock), and consumers whose position fell off the embedded
/// cluster's retention and was reset (librdkafka's "offset reset", data the run lost).
/// </summary>
internal sealed class ServiceLogEvents : IAsyncDisposable
{
    private static readonly (string Name, string Text)[] Events =
    [
        ("reading pauses", "Paused "),
        ("offset resets", "offset reset"),
    ];

    private readonly ConcurrentDictionary<(string Service, string Event), int> _counts = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _watches = [];

    public ServiceLogEvents(DistributedApplication app, IEnumerable<string> services)
    {
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        foreach (var service in services)
        {
            _watches.Add(Task.Run(async () =>
            {
                var resource = await notifications.WaitForResourceAsync(service, _ => true, _stop.Token);
                await foreach (var batch in logs.WatchAsync(resource.ResourceId).WithCancellation(_stop.Token))
                {
                    foreach (var line in batch)
                    {
                        foreach (var (name, text) in Events)
                        {
                            if (line.Content.Contains(text, StringComparison.OrdinalIgnoreCase))
                            {
                                _counts.AddOrUpdate((service, name), 1, (_, n) => n + 1);
                            }
                        }
                    }
                }
            }));
        }
    }

    /// <summary>How many times any service logged the event named <paramref name="name"/>.</summary>
    public int Count(string name) => _counts.Where(c => c.Key.Event == name).Sum(c => c.Value);

    public string Summary() => _counts.IsEmpty
        ? "no reading pauses or offset resets in the services' logs"
        : string.Join(", ", _counts.OrderBy(c => c.Key.Service).Select(c => $"{c.Key.Service}: {c.Value} {c.Key.Event}"));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_watches);
        }
        catch (OperationCanceledException)
        {
            // Stopped with the run.
        }

        _stop.Dispose();
    }
}

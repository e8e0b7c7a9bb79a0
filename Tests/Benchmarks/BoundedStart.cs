using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace HpcAspire.Benchmarks;

/// <summary>A resource a benchmark waits for did not become healthy in time; the message says its state and where its log is.</summary>
internal sealed class ResourceNotReadyException(string message) : Exception(message);

/// <summary>
/// Starting an AppHost for a benchmark with every wait bounded. Aspire's <c>StartAsync</c> returns only once every
/// resource has started, and a service that waits for a broker starts only when the broker is healthy: without a
/// bound, a RabbitMQ that never comes up (not installed, a port taken, a boot that fails) leaves the benchmark waiting
/// forever. With one, it fails naming the resource, its state and health, and where its log is.
/// </summary>
internal static class BoundedStart
{
    /// <summary>How long the embedded broker may take: its boot is 4–8 s alone and 20–30 s beside a starting application on two busy cores.</summary>
    public static readonly TimeSpan BrokerTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Starts <paramref name="app"/> and waits, all within <paramref name="timeout"/>, for <paramref name="resources"/>
    /// to be healthy, in order; throws <see cref="ResourceNotReadyException"/> for the first that is not.
    /// </summary>
    public static async Task StartAsync(DistributedApplication app, IReadOnlyList<string> resources, TimeSpan timeout, string logHint)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var started = app.StartAsync(deadline.Token);
        try
        {
            await WaitHealthyAsync(app, resources, timeout, logHint, deadline.Token);
        }
        catch (ResourceNotReadyException)
        {
            // StartAsync is still waiting for the services that wait for the broker: release it before the teardown.
            await deadline.CancelAsync();
            throw;
        }
        try
        {
            await started.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new ResourceNotReadyException($"the AppHost did not finish starting its resources within {Describe(timeout)}. Its log: {logHint}");
        }
    }

    /// <summary>Waits for <paramref name="resources"/> to be healthy, in order, until <paramref name="cancellationToken"/> (the deadline) fires.</summary>
    public static async Task WaitHealthyAsync(DistributedApplication app, IReadOnlyList<string> resources, TimeSpan timeout, string logHint,
        CancellationToken cancellationToken)
    {
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        foreach (var resource in resources)
        {
            try
            {
                await notifications.WaitForResourceHealthyAsync(resource, WaitBehavior.StopOnResourceUnavailable, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw await NotReadyAsync(app, resource, timeout, logHint, ended: null);
            }
            catch (DistributedApplicationException ex)
            {
                // The resource ended (failed to start, exited) while waited for.
                throw await NotReadyAsync(app, resource, timeout, logHint, ex.Message);
            }
        }
    }

    /// <summary>
    /// Fails a benchmark whose start failed: the message on stderr at once, and the process ended with exit code 3
    /// if the AppHost's teardown (Aspire's dispose can itself wait on a resource that never started) takes more than a minute.
    /// </summary>
    public static void ReportAndBoundTeardown(ResourceNotReadyException failure)
    {
        Console.Error.WriteLine($"FAILED: {failure.Message}");
        _ = Task.Delay(TimeSpan.FromMinutes(1)).ContinueWith(_ =>
        {
            Console.Error.WriteLine("FAILED: the AppHost did not stop within 1 min of the failure above; exiting.");
            Environment.Exit(3);
        }, TaskScheduler.Default);
    }

    private static async Task<ResourceNotReadyException> NotReadyAsync(DistributedApplication app, string resource, TimeSpan timeout, string logHint,
        string? ended)
    {
        app.Services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState(resource, out var current);
        var message = NotHealthyMessage(resource, current?.Snapshot, timeout, logHint, ended: ended is not null);
        var tail = await LogTailAsync(app, current?.ResourceId, 20);
        return new ResourceNotReadyException(tail.Count > 0 ? $"{message}\n--- last {tail.Count} lines of {resource}'s log ---\n{string.Join('\n', tail)}" : message);
    }

    /// <summary>The last lines a resource has logged: its backlog, read for at most 2 s (the log has no end while the resource lives).</summary>
    private static async Task<IReadOnlyList<string>> LogTailAsync(DistributedApplication app, string? resourceId, int lines)
    {
        var tail = new Queue<string>();
        if (resourceId is null)
        {
            return [];
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(resourceId).WithCancellation(timeout.Token))
            {
                foreach (var line in batch)
                {
                    tail.Enqueue(line.Content);
                    if (tail.Count > lines)
                    {
                        tail.Dequeue();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // What arrived in time is what there is.
        }

        return [.. tail];
    }

    /// <summary>What the failure says: the resource, how long it was given, its state, health and exit code, its health checks' answers, and its log.</summary>
    internal static string NotHealthyMessage(string resource, CustomResourceSnapshot? snapshot, TimeSpan timeout, string logHint, bool ended = false)
    {
        var what = ended ? $"{resource} ended before it was healthy" : $"{resource} was not healthy within {Describe(timeout)}";
        if (snapshot is null)
        {
            return $"{what}: it has no state (not in the model, or never started). Its log: {logHint}";
        }

        var state = snapshot.State?.Text is { Length: > 0 } text ? text : "unknown";
        var health = snapshot.HealthStatus?.ToString() ?? "not yet checked";
        var exit = snapshot.ExitCode is { } code ? $", exit code {code}" : "";
        var reports = snapshot.HealthReports
            .Where(report => report.Status is not Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
            .Select(report => $"{report.Name}: {report.Description ?? report.ExceptionText?.Split('\n')[0] ?? report.Status?.ToString() ?? "no answer yet"}")
            .ToList();
        return $"{what}: state {state}, health {health}{exit}" +
               (reports.Count > 0 ? $" ({string.Join("; ", reports)})" : "") + $". Its log: {logHint}";
    }

    private static string Describe(TimeSpan timeout) =>
        timeout >= TimeSpan.FromMinutes(1) && timeout.Seconds == 0 ? $"{timeout.TotalMinutes:0} min" : $"{timeout.TotalSeconds:0.#} s";
}

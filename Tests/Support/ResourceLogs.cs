namespace HpcAspire.Tests.Support;

/// <summary>What a resource has logged so far, for failure messages.</summary>
internal static class ResourceLogs
{
    public static async Task<string> ReadAsync(DistributedApplication app, string resourceName, int maxLines = 60)
    {
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            var resource = await notifications.WaitForResourceAsync(resourceName, _ => true, timeout.Token);
            await foreach (var batch in logs.WatchAsync(resource.ResourceId).WithCancellation(timeout.Token))
            {
                lines.AddRange(batch.Select(line => line.Content));
            }
        }
        catch (OperationCanceledException)
        {
            // The log has no end while the resource lives: what arrived in time is what there is.
        }

        return $"--- {resourceName} (last {Math.Min(maxLines, lines.Count)} of {lines.Count} lines) ---\n{string.Join("\n", lines.TakeLast(maxLines))}";
    }
}

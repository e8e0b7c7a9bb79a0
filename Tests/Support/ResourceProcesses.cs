using System.Diagnostics;

namespace HpcAspire.Tests.Support;

/// <summary>Crashes and restarts a service the AppHost runs, as an operator or the OOM killer would.</summary>
internal static class ResourceProcesses
{
    /// <summary>
    /// SIGKILLs the resource's process tree (the service and the <c>dotnet run</c> that hosts it; no
    /// shutdown code runs) and waits until the AppHost sees it gone.
    /// </summary>
    public static async Task<int> KillAsync(DistributedApplication app, string resourceName)
    {
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = await notifications.WaitForResourceAsync(resourceName, e => e.Snapshot.State?.Text == KnownResourceStates.Running, timeout.Token);
        var pid = Pid(running.Snapshot) ?? throw new InvalidOperationException(
            $"{resourceName} shows no process id; its properties: {string.Join(", ", running.Snapshot.Properties.Select(p => $"{p.Name}={p.Value}"))}");
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill(entireProcessTree: true);
        }

        await notifications.WaitForResourceAsync(resourceName, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), timeout.Token);
        return pid;
    }

    /// <summary>Starts a stopped or crashed resource again through the dashboard's Start command.</summary>
    public static async Task StartAsync(DistributedApplication app, string resourceName)
    {
        var commands = app.Services.GetRequiredService<ResourceCommandService>();
        var result = await commands.ExecuteCommandAsync(resourceName, KnownResourceCommands.StartCommand);
        Assert.True(result.Success, $"Starting {resourceName}: {result.Message}");
    }

    private static int? Pid(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value switch
        {
            int pid => pid,
            long pid => (int)pid,
            string text when int.TryParse(text, out var pid) => pid,
            _ => null,
        };
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HpcAspire.Tests.Support;

/// <summary>Builds the real AppHost for tests, in a chosen mode, with its own data directory.</summary>
internal static class AppHostFactory
{
    // Both applications are 14 resources, nine of them .NET processes, started at once on two cores: seen at 41 s
    // alone, and past 2 minutes with a build running beside the tests.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    public static Task<IDistributedApplicationTestingBuilder> CreateAsync(string mode, params string[] settings)
    {
        string[] args =
        [
            // The Kafka application unless a test asks for RabbitMQ's or both (a later setting wins).
            "Application:Transports=Kafka",
            $"Infrastructure:Mode={mode}",
            $"Infrastructure:DataDirectory={TestDirectories.Create("apphost")}",
            .. settings,
        ];
        return DistributedApplicationTestingBuilder.CreateAsync<Projects.HpcAspire_AppHost>(args, (options, _) =>
        {
            options.DisableDashboard = true;
        });
    }

    /// <summary>
    /// Warnings and errors only, the resources' forwarded output included. The AppHost's appsettings.json sets the default
    /// level to Information, a rule that outranks a minimum level; this later rule of the same scope replaces it. The
    /// console logger shows the test host's output, and every resource's info lines would bury the tests' results in it.
    /// Failed health checks are left out too: the tests that stop a broker or a server cause them by design (a hundred
    /// stack traces a run), and a start that never gets healthy names each resource's state in its own error.
    /// </summary>
    private static ILoggingBuilder WarningsOnly(ILoggingBuilder logging) =>
        logging.SetMinimumLevel(LogLevel.Warning)
            .AddFilter(level => level >= LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);

    /// <summary>Starts the AppHost in embedded mode and waits until the named resources are healthy.</summary>
    public static async Task<DistributedApplication> StartEmbeddedAsync(string[] waitFor, params string[] settings)
    {
        var builder = await CreateAsync("Embedded", settings);
        builder.Services.AddLogging(logging => WarningsOnly(logging));
        return await StartAsync(builder, waitFor);
    }

    /// <summary>
    /// Starts the AppHost's brokers alone (embedded Kafka and the local RabbitMQ, none of the services), for tests that
    /// run the services' code in their own process; waits until RabbitMQ answers.
    /// </summary>
    public static Task<DistributedApplication> StartBrokersOnlyAsync(params string[] settings) =>
        StartBrokersOnlyAsync(["rabbitmq"], settings);

    /// <summary>The AppHost's brokers alone (both applications' infrastructure, none of the services), waiting for <paramref name="waitFor"/> to be healthy.</summary>
    public static Task<DistributedApplication> StartBrokersOnlyAsync(string[] waitFor, params string[] settings) =>
        StartBrokersOnlyAsync(waitFor, StartTimeout, _ => { }, settings);

    /// <summary>
    /// The brokers alone and what <paramref name="configure"/> adds, giving up (and stopping them) when
    /// <paramref name="waitFor"/> are not healthy within <paramref name="startTimeout"/>.
    /// </summary>
    public static async Task<DistributedApplication> StartBrokersOnlyAsync(
        string[] waitFor, TimeSpan startTimeout, Action<IDistributedApplicationTestingBuilder> configure, params string[] settings)
    {
        var builder = await CreateAsync("Embedded", ["Application:Transports=Both", .. settings]);
        configure(builder);
        builder.Services.AddLogging(logging => WarningsOnly(logging));
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.Resources.Remove(project);
        }

        return await StartAsync(builder, waitFor, startTimeout);
    }

    /// <summary>
    /// Builds and starts the AppHost and waits until <paramref name="waitFor"/> are healthy. When it does not get there
    /// the AppHost is stopped before the error is thrown, so a failed start never leaves its brokers and services
    /// running under the tests that follow, and the error names every resource that was not running or not healthy.
    /// </summary>
    private static async Task<DistributedApplication> StartAsync(IDistributedApplicationTestingBuilder builder, string[] waitFor, TimeSpan? startTimeout = null)
    {
        var limit = startTimeout ?? StartTimeout;
        var app = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await app.StartAsync(timeout.Token);
            var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var resource in waitFor)
            {
                await notifications.WaitForResourceHealthyAsync(resource, timeout.Token);
            }

            return app;
        }
        catch (Exception ex)
        {
            var states = ResourceStates(app);
            await StopWithinAsync(app, TimeSpan.FromMinutes(1));
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"The AppHost did not get {string.Join(", ", waitFor)} healthy within {limit.TotalSeconds:0} s. Resources then: {states}", ex);
            }

            throw;
        }
    }

    /// <summary>Every resource's state and health as the AppHost last reported them, for an error message.</summary>
    private static string ResourceStates(DistributedApplication app)
    {
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        return string.Join("; ", model.Resources.Select(resource =>
            notifications.TryGetCurrentState(resource.Name, out var state)
                ? $"{resource.Name} {state.Snapshot.State?.Text ?? "(no state)"}{(state.Snapshot.HealthStatus is { } health ? $" {health}" : "")}"
                : $"{resource.Name} (not reported)"));
    }

    private static async Task StopWithinAsync(DistributedApplication app, TimeSpan limit)
    {
        try
        {
            await app.DisposeAsync().AsTask().WaitAsync(limit);
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"The AppHost that failed to start did not stop within {limit}: {ex.Message}");
        }
    }

    /// <summary>
    /// Starts the AppHost in embedded mode with the Aspire dashboard beside it, and waits until the named resources
    /// are healthy. The testing builder gives the dashboard dynamic loopback ports and a browser token of its own, and
    /// points every service's OTLP exporter at it; <c>GetDashboardUrlAsync</c> returns the login URL with the token.
    /// </summary>
    public static async Task<DistributedApplication> StartEmbeddedWithDashboardAsync(string[] waitFor, CapturedWarnings warnings, params string[] settings)
    {
        string[] args =
        [
            "Application:Transports=Kafka",
            "Infrastructure:Mode=Embedded",
            $"Infrastructure:DataDirectory={TestDirectories.Create("apphost")}",
            .. settings,
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.HpcAspire_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = true }, args);
        builder.Services.AddLogging(logging => WarningsOnly(logging).AddProvider(warnings));
        return await StartAsync(builder, waitFor);
    }
}

internal static class TestDirectories
{
    public static string Create(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), "hpcaspire-tests", $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}

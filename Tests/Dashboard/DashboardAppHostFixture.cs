using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Dashboard;

/// <summary>The embedded-mode AppHost with its dashboard, and a headless browser logged in to that dashboard.</summary>
public sealed class DashboardAppHostFixture : IAsyncLifetime
{
    public static readonly string[] ApplicationServices = ["node-reading-generator", "job-event-generator", "processor", "sink"];

    internal DistributedApplication App { get; private set; } = null!;

    internal DashboardBrowser Browser { get; private set; } = null!;

    /// <summary>The warnings and errors the AppHost logged while starting and running.</summary>
    internal CapturedWarnings Warnings { get; } = new();

    public async Task InitializeAsync()
    {
        // A few readings a second: enough traces to find, few enough to read.
        App = await AppHostFactory.StartEmbeddedWithDashboardAsync(ApplicationServices, Warnings, "Generator:TicksPerSecond=2", "Cluster:NodeCount=4");
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var loginUrl = await App.GetDashboardUrlAsync(timeout.Token);
            Browser = await DashboardBrowser.LogInAsync(loginUrl);
        }
        catch
        {
            // No browser, no tests: stop the AppHost now rather than leave it running under the tests that follow.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
            Browser = null!;
        }

        if (App is not null)
        {
            await App.DisposeAsync();
            App = null!;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardAppHostFixture>
{
    public const string Name = "Dashboard";
}

/// <summary>Where the dashboard tests save their screenshots: beside the test run's output, never over a tracked file.</summary>
internal static class DashboardScreenshots
{
    public static string PathOf(string name) =>
        Path.Combine(Environment.GetEnvironmentVariable("HPCASPIRE_SCREENSHOTS") ?? Path.Combine(AppContext.BaseDirectory, "screenshots"), name);
}

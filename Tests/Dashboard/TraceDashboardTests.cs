using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Dashboard;

/// <summary>What a user sees on the Aspire dashboard's Traces page, in a real (headless) browser.</summary>
public class TraceDashboardTests(DashboardAppHostFixture fixture) : IClassFixture<DashboardAppHostFixture>
{
    private static readonly string[] ReadingPath = ["node-reading-generator", "processor", "sink"];

    [Fact]
    public async Task A_reading_shows_as_one_trace_from_the_generator_through_the_processor_to_the_sink()
    {
        var traces = new DashboardTracesPage(fixture.Browser);
        await traces.OpenAsync();

        var trace = await traces.WaitForTraceAsync(ReadingPath, TimeSpan.FromSeconds(90));
        await traces.OpenDetailAsync(trace, ReadingPath);

        var repositoryRoot = Path.GetDirectoryName(Projects.HpcAspire_AppHost.ProjectPath)!;
        await fixture.Browser.ScreenshotAsync(Path.Combine(repositoryRoot, "docs", "images", "reading-trace.png"));
    }
}

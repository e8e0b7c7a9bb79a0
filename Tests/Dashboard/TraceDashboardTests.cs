using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Dashboard;

/// <summary>What a user sees on the Aspire dashboard's Traces page, in a real (headless) browser.</summary>
[Collection(DashboardCollection.Name)]
[Trait(TestKinds.Trait, TestKinds.Browser)]
public class TraceDashboardTests(DashboardAppHostFixture fixture)
{
    private static readonly string[] ReadingPath = ["node-reading-generator", "processor", "sink"];

    [Fact]
    public async Task A_reading_shows_as_one_trace_from_the_generator_through_the_processor_to_the_sink()
    {
        var traces = new DashboardTracesPage(fixture.Browser);
        await traces.OpenAsync();

        var trace = await traces.WaitForTraceAsync(ReadingPath, TimeSpan.FromSeconds(90));
        var spanResources = await traces.OpenDetailAsync(trace, ReadingPath);

        // docs/images/reading-trace.png is a copy of this picture, taken by hand; the test never writes over it.
        var screenshot = DashboardScreenshots.PathOf("reading-trace.png");
        await fixture.Browser.ScreenshotAsync(screenshot);

        Assert.All(ReadingPath, resource => Assert.True(trace.SpansByResource.GetValueOrDefault(resource) > 0, $"{trace} has no span of {resource}"));
        // The detail grid lists the spans as a tree in the order they started: the generator's, then the processor's, then the sink's.
        Assert.Equal(ReadingPath, spanResources.Where(ReadingPath.Contains).Distinct());
        Assert.True(new FileInfo(screenshot).Length > 10_000, $"{screenshot} is missing or empty");
    }
}

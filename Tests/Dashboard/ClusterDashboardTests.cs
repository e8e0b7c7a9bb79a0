using System.Text.RegularExpressions;
using HpcAspire.Tests.Support;
using Microsoft.Playwright;

namespace HpcAspire.Tests.Dashboard;

/// <summary>Watching the embedded Kafka cluster in the dashboard, in a real (headless) browser, as a user would instead of Kafdrop.</summary>
[Collection(DashboardCollection.Name)]
[Trait(TestKinds.Trait, TestKinds.Browser)]
public partial class ClusterDashboardTests(DashboardAppHostFixture fixture)
{
    private static readonly TimeSpan ViewTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Stopping_a_broker_from_the_dashboard_moves_its_partition_leaders_in_the_kafka_resources_view()
    {
        var page = fixture.Browser.Page;
        var before = await ReadLeadersAsync(page, leaders => leaders.Contains(2));
        Assert.Contains(2, before);

        await fixture.Browser.GoToAsync("/");
        var row = page.Locator("tr.fluent-data-grid-row").Filter(new LocatorFilterOptions { HasText = "kafka-2" });
        await row.First.WaitForAsync();
        // A highlighted command is an icon button titled with the command's description.
        await row.First.Locator("fluent-button[title^='Stops the broker']").ClickAsync();
        try
        {
            var after = await ReadLeadersAsync(page, leaders => !leaders.Contains(2));
            Assert.DoesNotContain(2, after);
            Assert.Equal(before.Length, after.Length);
            await fixture.Browser.ScreenshotAsync(DashboardScreenshots.PathOf("cluster-view-broker-2-stopped.png"));
        }
        finally
        {
            await fixture.App.ResourceCommands.ExecuteCommandAsync("kafka-2", "start-broker");
        }
    }

    /// <summary>
    /// Opens the kafka resource's details with all properties shown (the cluster view's properties are the resource's
    /// own, which the dashboard lists under "Show all properties") and reads the node-readings topic's partition
    /// leaders, which the dashboard updates live, until <paramref name="until"/> holds or the view timeout passes.
    /// </summary>
    private async Task<int[]> ReadLeadersAsync(IPage page, Func<int[], bool> until)
    {
        await OpenKafkaPropertiesAsync(page);
        var property = page.Locator("tr.fluent-data-grid-row").Filter(new LocatorFilterOptions { HasText = "Topic node-readings" }).First;
        var deadline = DateTime.UtcNow + ViewTimeout;
        var text = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                text = await property.InnerTextAsync(new LocatorInnerTextOptions { Timeout = 5_000 });
            }
            catch (TimeoutException)
            {
                text = "";
            }

            if (LeadersValue().Match(text) is { Success: true } match)
            {
                var leaders = match.Groups["leaders"].Value.Split(',').Select(int.Parse).ToArray();
                if (until(leaders))
                {
                    return leaders;
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var screenshot = DashboardScreenshots.PathOf("cluster-view-timeout.png");
        await fixture.Browser.ScreenshotAsync(screenshot);
        throw new Xunit.Sdk.XunitException($"The kafka resource's 'Topic node-readings' property did not show the expected leaders within " +
                                           $"{ViewTimeout.TotalSeconds:0} s; last seen: '{text}'. Screenshot: {screenshot}");
    }

    /// <summary>The kafka resource's details, with "Show all properties" on; a menu click that does not land is tried again.</summary>
    private async Task OpenKafkaPropertiesAsync(IPage page)
    {
        for (var attempt = 1; ; attempt++)
        {
            await fixture.Browser.GoToAsync("/");
            await page.GetByText("kafka", new PageGetByTextOptions { Exact = true }).First.ClickAsync();
            await page.GetByText("EmbeddedKafka: kafka").WaitForAsync();
            await page.Locator("fluent-button.details-toolbar-button[title=\"View options\"]").ClickAsync();
            var showAll = page.GetByRole(AriaRole.Menuitem, new PageGetByRoleOptions { Name = "Show all properties" });
            await showAll.WaitForAsync();
            await Task.Delay(500); // the menu's opening animation swallows an early click
            await showAll.ClickAsync();
            try
            {
                await page.GetByText("Topic node-readings").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
        }
    }

    [GeneratedRegex(@"leaders (?<leaders>[\d,]+)")]
    private static partial Regex LeadersValue();
}

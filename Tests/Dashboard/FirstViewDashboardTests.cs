using HpcAspire.Tests.Support;
using Microsoft.Playwright;

namespace HpcAspire.Tests.Dashboard;

/// <summary>What a user sees first when the dashboard opens on a fresh machine, in a real (headless) browser.</summary>
[Collection(DashboardCollection.Name)]
[Trait(TestKinds.Trait, TestKinds.Browser)]
public class FirstViewDashboardTests(DashboardAppHostFixture fixture)
{
    [Fact]
    public async Task The_resources_page_opens_without_an_error_banner_such_as_an_untrusted_development_certificate()
    {
        var page = fixture.Browser.Page;
        await fixture.Browser.GoToAsync("/");
        await page.Locator("tr.fluent-data-grid-row").Filter(new LocatorFilterOptions { HasText = "processor" }).First.WaitForAsync();
        // The AppHost raises its notifications before any browser connects; the dashboard replays them to a new page
        // as message bars at the top. Give a late one time to arrive before reading the page.
        await Task.Delay(TimeSpan.FromSeconds(3));

        var bars = await page.Locator("fluent-message-bar").AllInnerTextsAsync();
        await fixture.Browser.ScreenshotAsync(DashboardScreenshots.PathOf("first-view.png"));
        Assert.Empty(bars);
        // Aspire raises the certificate notification with this warning in the AppHost's console, whichever way the
        // dashboard then shows it (a message bar, or the notification centre of newer dashboards).
        Assert.DoesNotContain(fixture.Warnings.Entries, entry => entry.Message.Contains("development certificate", StringComparison.OrdinalIgnoreCase));
    }
}

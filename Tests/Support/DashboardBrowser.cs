using Microsoft.Playwright;

namespace HpcAspire.Tests.Support;

/// <summary>
/// Debian's headless Chromium, driven by Playwright, logged in to one running Aspire dashboard.
/// The browser comes from apt (.ci/prerequisites); Playwright never downloads one.
/// </summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    private const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, IPage page, Uri dashboard)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        Dashboard = dashboard;
    }

    public IPage Page { get; }

    /// <summary>The dashboard's origin, without the login token.</summary>
    public Uri Dashboard { get; }

    /// <summary>Opens the login URL (it carries the browser token) and waits until the dashboard has let the browser in.</summary>
    public static async Task<DashboardBrowser> LogInAsync(Uri loginUrl)
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run `bash .ci/prerequisites` (it installs Debian's chromium).");
        }

        var playwright = await Playwright.CreateAsync();
        IBrowser? browser = null;
        try
        {
            browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ChromiumArgs,
            });
            // Wide enough that the traces grid shows every resource of a trace instead of a "+N" overflow badge.
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = 1600, Height = 900 },
                Locale = "en-US",
                TimezoneId = "UTC",
            });
            context.SetDefaultTimeout(30_000);
            var page = await context.NewPageAsync();

            var dashboard = new Uri(loginUrl.GetLeftPart(UriPartial.Authority));
            await page.GotoAsync(loginUrl.ToString());
            // A good token sets the auth cookie and redirects away from /login; a bad one stays on the login form.
            await page.WaitForURLAsync(url => !new Uri(url).AbsolutePath.StartsWith("/login", StringComparison.OrdinalIgnoreCase));
            return new DashboardBrowser(playwright, browser, page, dashboard);
        }
        catch
        {
            if (browser is not null)
            {
                await browser.DisposeAsync();
            }

            playwright.Dispose();
            throw;
        }
    }

    public async Task GoToAsync(string path) => await Page.GotoAsync(new Uri(Dashboard, path).ToString());

    public async Task ScreenshotAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}

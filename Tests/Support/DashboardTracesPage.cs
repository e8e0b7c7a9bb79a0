using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace HpcAspire.Tests.Support;

/// <summary>One row of the dashboard's Traces page: a trace and how many of its spans each resource sent.</summary>
internal sealed record TraceListing(string TraceId, string Name, IReadOnlyDictionary<string, int> SpansByResource)
{
    public bool HasSpansOf(IEnumerable<string> resources) => resources.All(SpansByResource.ContainsKey);

    public string Resources => $"[{string.Join(", ", SpansByResource.Keys.Order(StringComparer.Ordinal))}]";

    public override string ToString() =>
        $"'{Name}' {TraceId[..Math.Min(7, TraceId.Length)]}: {string.Join(", ", SpansByResource.Select(r => $"{r.Key} ({r.Value})"))}";
}

/// <summary>
/// The dashboard's Traces page (/traces) and a trace's detail view, read the way a user reads them: the grid's rows
/// (name, trace id in the name's tooltip, one "resource (span count)" tag per resource) and a click on a row.
/// </summary>
internal sealed partial class DashboardTracesPage(DashboardBrowser browser)
{
    // Rows of the traces grid; the header and the "no traces" row have no trace id.
    private const string RowSelector = "table.main-grid tr.fluent-data-grid-row:has(.trace-id)";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task OpenAsync()
    {
        await browser.GoToAsync("/traces");
        if (new Uri(browser.Page.Url).AbsolutePath.StartsWith("/login", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"The dashboard sent the browser to its login page ({browser.Page.Url}): the browser token was not accepted.");
        }

        await browser.Page.Locator("table.main-grid").WaitForAsync();
    }

    /// <summary>The traces the grid shows now, oldest first (the grid virtualizes: rows far below are not rendered).</summary>
    public async Task<IReadOnlyList<TraceListing>> ListAsync()
    {
        var json = await browser.Page.Locator(RowSelector).EvaluateAllAsync<string>("""
            rows => JSON.stringify(rows.map(row => ({
                nameTooltip: row.querySelector('td[title*="Trace Id:"]')?.getAttribute('title') ?? '',
                shortId: row.querySelector('.trace-id')?.textContent ?? '',
                name: row.querySelector('.trace-name-content > span')?.textContent ?? '',
                resourceTags: [...row.querySelectorAll('.trace-service-tag')].map(tag => tag.textContent),
            })))
            """);
        var rows = JsonSerializer.Deserialize<List<Row>>(json, Json) ?? [];
        return rows.Select(ToListing).ToList();
    }

    /// <summary>The count in the footer ("Showing 12 traces"), which includes rows the grid has not rendered.</summary>
    public async Task<string> FooterAsync() =>
        Collapse(await browser.Page.Locator(".items-footer .result-count").TextContentAsync() ?? "");

    /// <summary>
    /// Waits until the grid lists a trace with spans of every one of <paramref name="resources"/> and returns the
    /// first such trace; fails with what the page did list if none appears in time.
    /// </summary>
    public async Task<TraceListing> WaitForTraceAsync(IReadOnlyCollection<string> resources, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<TraceListing> seen;
        while (true)
        {
            seen = await ListAsync();
            var matching = seen.Where(trace => trace.HasSpansOf(resources)).ToList();

            // Prefer a steady-state trace with spans of these resources only; the first messages' traces
            // also hold the schema lookups, and are taken only if no other comes.
            if (matching.FirstOrDefault(trace => trace.SpansByResource.Count == resources.Count) is { } steady)
            {
                return steady;
            }

            if (matching.Count > 0 && DateTime.UtcNow >= deadline - timeout / 2)
            {
                return matching[0];
            }

            if (DateTime.UtcNow >= deadline)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        var screenshot = Path.Combine(TestDirectories.Create("dashboard"), "traces.png");
        await browser.ScreenshotAsync(screenshot);
        var byResources = seen.GroupBy(trace => trace.Resources)
            .Select(group => $"  {group.Count()} × {group.Key}, e.g. {group.First()}");
        throw new Xunit.Sdk.XunitException(
            $"No trace on the dashboard's Traces page has spans of all of [{string.Join(", ", resources)}] after {timeout.TotalSeconds:0} s.\n" +
            $"The page shows {seen.Count} trace rows ({await FooterAsync()}); by the resources that sent spans:\n" +
            $"{(seen.Count == 0 ? "  (none)" : string.Join("\n", byResources))}\n" +
            $"Screenshot of the page: {screenshot}");
    }

    /// <summary>
    /// Opens the trace's detail view (the page a click on its row leads to), waits until it shows spans of each of
    /// <paramref name="resources"/>, and returns the resource of every span the detail grid shows, top to bottom.
    /// </summary>
    public async Task<IReadOnlyList<string>> OpenDetailAsync(TraceListing trace, IEnumerable<string> resources)
    {
        var page = browser.Page;
        // By its address rather than a click: under a live stream the grid re-renders faster than a click lands.
        await browser.GoToAsync($"/traces/detail/{trace.TraceId}");
        foreach (var resource in resources)
        {
            // The detail grid's Resource column: one cell per span, holding the resource's name.
            await page.Locator(".resource-name").Filter(new LocatorFilterOptions { HasTextRegex = new Regex($"^\\s*{Regex.Escape(resource)}\\s*$") })
                .First.WaitForAsync();
        }

        return (await page.Locator(".resource-name").AllInnerTextsAsync()).Select(Collapse).ToList();
    }

    private static TraceListing ToListing(Row row)
    {
        var traceId = TraceIdInTooltip().Match(row.NameTooltip) is { Success: true } match ? match.Groups["id"].Value : Collapse(row.ShortId);
        var spans = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var tag in row.ResourceTags.Select(Collapse))
        {
            if (ResourceTag().Match(tag) is { Success: true } parsed)
            {
                spans[parsed.Groups["resource"].Value] = int.Parse(parsed.Groups["spans"].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return new TraceListing(traceId, Collapse(row.Name), spans);
    }

    private static string Collapse(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"Trace Id:\s*(?<id>[0-9a-f]+)")]
    private static partial Regex TraceIdInTooltip();

    [GeneratedRegex(@"^(?<resource>.+) \((?<spans>\d+)\)$")]
    private static partial Regex ResourceTag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    private sealed record Row(string NameTooltip, string ShortId, string Name, string[] ResourceTags);
}

namespace HpcAspire.Tests.Support;

/// <summary>
/// The kinds of test, one <c>[Trait(TestKinds.Trait, TestKinds.…)]</c> on every test class, so a run can pick them:
/// <c>dotnet test Tests/HpcAspire.Tests.csproj --filter "Kind=Unit"</c> is the suite a developer runs in a minute.
/// </summary>
public static class TestKinds
{
    /// <summary>The trait's name, as a filter names it (<c>Kind=…</c>).</summary>
    public const string Trait = "Kind";

    /// <summary>Pure and in-process: no broker, registry, server or external tool; each test well under a second or two.</summary>
    public const string Unit = "Unit";

    /// <summary>
    /// One real piece beside the code under test, not the whole application: librdkafka's mock cluster, the schema
    /// registry on Kestrel, a service in its own process, or a tool such as msbuild, bash or kubectl.
    /// </summary>
    public const string Component = "Component";

    /// <summary>Starts the AppHost (its brokers, or every resource) or the whole pipeline from generator to sink.</summary>
    public const string EndToEnd = "EndToEnd";

    /// <summary>Drives the Aspire dashboard in headless chromium through Playwright.</summary>
    public const string Browser = "Browser";

    /// <summary>Every kind, for the check that each test class names one of them.</summary>
    public static readonly IReadOnlyList<string> All = [Unit, Component, EndToEnd, Browser];
}

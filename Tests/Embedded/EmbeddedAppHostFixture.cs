using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Embedded;

/// <summary>One embedded-mode AppHost shared by the Kafka tests: starting it costs seconds.</summary>
public sealed class EmbeddedAppHostFixture : IAsyncLifetime
{
    public const string TestGroup = "e2e-consumers";

    public DistributedApplication App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await AppHostFactory.StartEmbeddedAsync(["kafka"],
            // A group of the test's own, so the controller keeps its coordinator on live brokers too.
            $"Kafka:ConsumerGroups:10={TestGroup}",
            // The tests read node-readings with their own groups beside the processor's: nothing is deleted under them.
            "Kafka:KeepReadRecords=true");
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class EmbeddedAppHostCollection : ICollectionFixture<EmbeddedAppHostFixture>
{
    public const string Name = "embedded AppHost";
}

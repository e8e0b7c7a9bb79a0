using Confluent.SchemaRegistry;
using HpcAspire.Tests.Support;
using static HpcAspire.Tests.SchemaRegistry.NodeReadingSchemas;
using RegistrySchema = Confluent.SchemaRegistry.Schema;

namespace HpcAspire.Tests.SchemaRegistry;

/// <summary>The registry driven by Confluent's own .NET client, as the serializers and tools drive it.</summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class ConfluentClientContractTests(SchemaRegistryFixture registry) : IClassFixture<SchemaRegistryFixture>
{
    private static RegistrySchema Avro(string text) => new(text, SchemaType.Avro);

    [Fact]
    public async Task Registered_schema_is_served_by_id_in_canonical_form()
    {
        var subject = SchemaRegistryFixture.NewSubject("by-id");
        using var writer = registry.Server.CreateClient();
        var id = await writer.RegisterSchemaAsync(subject, Avro(V1Reformatted));

        using var reader = registry.Server.CreateClient();
        var schema = await reader.GetSchemaAsync(id);

        Assert.Equal(Canonical(V1), schema.SchemaString);
        Assert.Equal(SchemaType.Avro, schema.SchemaType);
        Assert.Empty(schema.References);
    }

    [Fact]
    public async Task Registering_the_same_schema_again_returns_its_id_without_a_new_version()
    {
        var subject = SchemaRegistryFixture.NewSubject("again");
        using var first = registry.Server.CreateClient();
        using var second = registry.Server.CreateClient();

        var id = await first.RegisterSchemaAsync(subject, Avro(V1));
        var again = await second.RegisterSchemaAsync(subject, Avro(V1Reformatted));

        Assert.Equal(id, again);
        Assert.Equal([1], await second.GetSubjectVersionsAsync(subject));
    }

    [Fact]
    public async Task Ids_are_global_one_schema_has_one_id_in_every_subject()
    {
        using var client = registry.Server.CreateClient();
        var inFirst = await client.RegisterSchemaAsync(SchemaRegistryFixture.NewSubject("global-a"), Avro(V1));
        var inSecond = await client.RegisterSchemaAsync(SchemaRegistryFixture.NewSubject("global-b"), Avro(V1Reformatted));
        var other = await client.RegisterSchemaAsync(SchemaRegistryFixture.NewSubject("global-c"), Avro(V2WithOptionalUnit));

        Assert.Equal(inFirst, inSecond);
        Assert.NotEqual(inFirst, other);

        using var http = registry.Server.CreateHttpClient();
        var subjects = await http.GetStringAsync($"schemas/ids/{inFirst}/subjects");
        Assert.Contains("global-a", subjects);
        Assert.Contains("global-b", subjects);
    }

    [Fact]
    public async Task Subjects_versions_latest_and_version_lookups_describe_the_history()
    {
        var subject = SchemaRegistryFixture.NewSubject("history");
        using var writer = registry.Server.CreateClient();
        var v1 = await writer.RegisterSchemaAsync(subject, Avro(V1));
        var v2 = await writer.RegisterSchemaAsync(subject, Avro(V2WithOptionalUnit));

        using var reader = registry.Server.CreateClient();
        Assert.Contains(subject, await reader.GetAllSubjectsAsync());
        Assert.Equal([1, 2], await reader.GetSubjectVersionsAsync(subject));

        var latest = await reader.GetLatestSchemaAsync(subject);
        Assert.Equal((subject, 2, v2, Canonical(V2WithOptionalUnit)), (latest.Subject, latest.Version, latest.Id, latest.SchemaString));

        var first = await reader.GetRegisteredSchemaAsync(subject, 1);
        Assert.Equal((subject, 1, v1, Canonical(V1)), (first.Subject, first.Version, first.Id, first.SchemaString));
    }

    [Fact]
    public async Task Lookup_finds_the_version_a_schema_is_and_reports_40403_for_an_unknown_one()
    {
        var subject = SchemaRegistryFixture.NewSubject("lookup");
        using var writer = registry.Server.CreateClient();
        await writer.RegisterSchemaAsync(subject, Avro(V1));
        var v2 = await writer.RegisterSchemaAsync(subject, Avro(V2WithOptionalUnit));

        using var reader = registry.Server.CreateClient();
        var found = await reader.LookupSchemaAsync(subject, Avro(V2WithOptionalUnit), ignoreDeletedSchemas: true);
        Assert.Equal((subject, 2, v2), (found.Subject, found.Version, found.Id));

        var missing = await Assert.ThrowsAsync<SchemaRegistryException>(
            () => reader.LookupSchemaAsync(subject, Avro(ValueAsString), ignoreDeletedSchemas: true));
        Assert.Equal(40403, missing.ErrorCode);
    }

    [Fact]
    public async Task Subject_compatibility_is_set_and_read_back_while_the_global_level_stays_backward()
    {
        var subject = SchemaRegistryFixture.NewSubject("config");
        using var client = registry.Server.CreateClient();
        await client.RegisterSchemaAsync(subject, Avro(V1));

        Assert.Equal(Compatibility.Full, await client.UpdateCompatibilityAsync(Compatibility.Full, subject));
        Assert.Equal(Compatibility.Full, await client.GetCompatibilityAsync(subject));
        Assert.Equal(Compatibility.Backward, await client.GetCompatibilityAsync());
    }

    [Fact]
    public async Task Global_compatibility_update_changes_what_registration_accepts()
    {
        using var data = new TemporaryDirectory();
        await using var server = SchemaRegistryServer.Start(data.Path);
        using var client = server.CreateClient();
        await client.RegisterSchemaAsync("readings-value", Avro(V1));

        Assert.Equal(Compatibility.None, await client.UpdateCompatibilityAsync(Compatibility.None));
        Assert.Equal(Compatibility.None, await client.GetCompatibilityAsync());

        // Under NONE even a type change registers.
        await client.RegisterSchemaAsync("readings-value", Avro(ValueAsString));
        Assert.Equal([1, 2], await client.GetSubjectVersionsAsync("readings-value"));
    }

    [Fact]
    public async Task Compatibility_check_against_latest_answers_without_registering()
    {
        var subject = SchemaRegistryFixture.NewSubject("check");
        using var client = registry.Server.CreateClient();
        await client.RegisterSchemaAsync(subject, Avro(V1));

        Assert.True(await client.IsCompatibleAsync(subject, Avro(V2WithOptionalUnit)));
        Assert.False(await client.IsCompatibleAsync(subject, Avro(AddedRackWithoutDefault)));
        Assert.False(await client.IsCompatibleAsync(subject, Avro(ValueAsString)));
        Assert.Equal([1], await client.GetSubjectVersionsAsync(subject));
    }

    [Fact]
    public async Task Unknown_subject_surfaces_in_the_client_as_40401()
    {
        using var client = registry.Server.CreateClient();

        var error = await Assert.ThrowsAsync<SchemaRegistryException>(
            () => client.GetLatestSchemaAsync(SchemaRegistryFixture.NewSubject("never-registered")));

        Assert.Equal(40401, error.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.Status);
    }
}

using System.Text;
using Confluent.SchemaRegistry;
using HpcAspire.Tests.Support;
using static HpcAspire.Tests.SchemaRegistry.NodeReadingSchemas;
using RegistrySchema = Confluent.SchemaRegistry.Schema;

namespace HpcAspire.Tests.SchemaRegistry;

/// <summary>Ids survive restarts and concurrent registration: a consumer must always resolve the id in a message.</summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class RegistryPersistenceTests
{
    private static RegistrySchema Avro(string text) => new(text, SchemaType.Avro);

    [Fact]
    public async Task Restart_on_the_same_data_directory_keeps_ids_versions_and_config()
    {
        using var data = new TemporaryDirectory();
        int v1, v2, other;
        await using (var before = SchemaRegistryServer.Start(data.Path))
        {
            using var client = before.CreateClient();
            v1 = await client.RegisterSchemaAsync("readings-value", Avro(V1));
            v2 = await client.RegisterSchemaAsync("readings-value", Avro(V2WithOptionalUnit));
            other = await client.RegisterSchemaAsync("numbers-value", Avro(Numbered(1)));
            await client.UpdateCompatibilityAsync(Compatibility.Full, "numbers-value");
        }

        await using var after = SchemaRegistryServer.Start(data.Path);
        using var reader = after.CreateClient();
        Assert.Equal(Canonical(V1), (await reader.GetSchemaAsync(v1)).SchemaString);
        Assert.Equal(Canonical(V2WithOptionalUnit), (await reader.GetSchemaAsync(v2)).SchemaString);
        Assert.Equal(Canonical(Numbered(1)), (await reader.GetSchemaAsync(other)).SchemaString);
        Assert.Equal([1, 2], await reader.GetSubjectVersionsAsync("readings-value"));
        Assert.Equal(Compatibility.Full, await reader.GetCompatibilityAsync("numbers-value"));

        // Known schemas keep their ids; a new one gets a new id, never a reused one.
        Assert.Equal(v1, await reader.RegisterSchemaAsync("readings-copy-value", Avro(V1)));
        var next = await reader.RegisterSchemaAsync("numbers-2-value", Avro(Numbered(2)));
        Assert.DoesNotContain(next, new[] { v1, v2, other });
    }

    [Fact]
    public async Task Unfinished_last_journal_line_from_a_crash_is_dropped_and_the_rest_is_kept()
    {
        using var data = new TemporaryDirectory();
        int id;
        await using (var before = SchemaRegistryServer.Start(data.Path))
        {
            using var client = before.CreateClient();
            id = await client.RegisterSchemaAsync("readings-value", Avro(V1));
        }

        File.AppendAllText(Path.Combine(data.Path, "schemas.jsonl"), """{"kind":"schema-registered","subject":"read""");

        await using var after = SchemaRegistryServer.Start(data.Path);
        using var reader = after.CreateClient();
        Assert.Equal(Canonical(V1), (await reader.GetSchemaAsync(id)).SchemaString);
        var next = await reader.RegisterSchemaAsync("numbers-value", Avro(Numbered(7)));
        Assert.NotEqual(id, next);

        // The torn tail is gone, so the new entry starts on a line of its own.
        Assert.All(File.ReadAllLines(after.JournalPath), line => Assert.StartsWith("""{"kind":""", line));
    }

    [Fact]
    public void Corrupt_journal_line_in_the_middle_stops_the_registry_from_starting()
    {
        using var data = new TemporaryDirectory();
        File.WriteAllText(Path.Combine(data.Path, "schemas.jsonl"), "not json\n{\"kind\":\"compatibility-set\",\"compatibility\":\"FULL\"}\n",
            Encoding.UTF8);

        var error = Assert.ThrowsAny<Exception>(() => SchemaRegistryServer.Start(data.Path));

        Assert.Contains("line 1 is not a journal entry", error.ToString());
    }

    [Fact]
    public async Task Fifty_concurrent_registrations_of_ten_schemas_in_two_subjects_give_exactly_ten_stable_ids()
    {
        using var data = new TemporaryDirectory();
        await using var server = SchemaRegistryServer.Start(data.Path);
        using (var setup = server.CreateClient())
        {
            // Ten unrelated records in one subject: compatibility is not what this test is about.
            await setup.UpdateCompatibilityAsync(Compatibility.None, "concurrent-a");
            await setup.UpdateCompatibilityAsync(Compatibility.None, "concurrent-b");
        }

        // One client per registration: a shared client would answer repeats from its cache.
        var registrations = Enumerable.Range(0, 50).Select(async i =>
        {
            using var client = server.CreateClient();
            var schema = i % 10;
            var subject = i / 10 % 2 == 0 ? "concurrent-a" : "concurrent-b";
            return (Schema: schema, Id: await client.RegisterSchemaAsync(subject, Avro(Numbered(schema))));
        });
        var results = await Task.WhenAll(registrations);

        var idBySchema = results.GroupBy(r => r.Schema).ToDictionary(g => g.Key, g => g.Select(r => r.Id).Distinct().Single());
        Assert.Equal(10, idBySchema.Count);
        Assert.Equal(10, idBySchema.Values.Distinct().Count());

        using var reader = server.CreateClient();
        Assert.Equal(Enumerable.Range(1, 10), await reader.GetSubjectVersionsAsync("concurrent-a"));
        Assert.Equal(Enumerable.Range(1, 10), await reader.GetSubjectVersionsAsync("concurrent-b"));
        foreach (var (schema, id) in idBySchema)
        {
            Assert.Equal(Canonical(Numbered(schema)), (await reader.GetSchemaAsync(id)).SchemaString);
            Assert.Equal(id, await reader.RegisterSchemaAsync("concurrent-a", Avro(Numbered(schema))));
        }
    }
}

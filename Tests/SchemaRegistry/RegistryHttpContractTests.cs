using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HpcAspire.Tests.Support;
using static HpcAspire.Tests.SchemaRegistry.NodeReadingSchemas;

namespace HpcAspire.Tests.SchemaRegistry;

/// <summary>
/// Status codes, Confluent error codes and JSON bodies on the wire, checked with a plain HttpClient
/// so nothing in a client library hides a wrong answer.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class RegistryHttpContractTests(SchemaRegistryFixture registry) : IClassFixture<SchemaRegistryFixture>, IDisposable
{
    private const string MediaType = "application/vnd.schemaregistry.v1+json";

    private readonly HttpClient _http = registry.Server.CreateHttpClient();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Unknown_subject_is_404_with_error_code_40401()
    {
        var response = await _http.GetAsync("subjects/no-such-subject/versions");

        await AssertError(response, HttpStatusCode.NotFound, 40401, "Subject 'no-such-subject' not found.");
    }

    [Fact]
    public async Task Unknown_schema_id_is_404_with_error_code_40403()
    {
        var response = await _http.GetAsync("schemas/ids/987654");

        await AssertError(response, HttpStatusCode.NotFound, 40403, "Schema 987654 not found.");
    }

    [Theory]
    [InlineData("{\"type\":\"record\",\"name\":\"NoFields\"}")]
    [InlineData("{\"type\":\"recrod\",\"name\":\"Typo\",\"fields\":[]}")]
    [InlineData("\"NoSuchType\"")]
    [InlineData("{not json")]
    [InlineData("")]
    public async Task Invalid_schema_is_422_with_error_code_42201_and_the_parser_message(string schema)
    {
        var response = await Post("subjects/invalid-value/versions", new { schema });

        var message = await AssertError(response, (HttpStatusCode)422, 42201);
        Assert.StartsWith("Invalid schema: ", message);
        Assert.True(message.Length > "Invalid schema: ".Length);
    }

    [Fact]
    public async Task Invalid_compatibility_level_is_422_with_error_code_42203()
    {
        var response = await Put("config/some-subject", new { compatibility = "SIDEWAYS" });

        await AssertError(response, (HttpStatusCode)422, 42203);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("first")]
    public async Task Invalid_version_is_422_with_error_code_42202(string version)
    {
        var subject = await RegisterV1();

        var response = await _http.GetAsync($"subjects/{subject}/versions/{version}");

        await AssertError(response, (HttpStatusCode)422, 42202);
    }

    [Fact]
    public async Task Missing_version_is_404_with_error_code_40402()
    {
        var subject = await RegisterV1();

        var response = await _http.GetAsync($"subjects/{subject}/versions/7");

        await AssertError(response, HttpStatusCode.NotFound, 40402, "Version 7 not found.");
    }

    [Fact]
    public async Task Incompatible_registration_is_409_with_error_code_409_naming_the_problem()
    {
        var subject = await RegisterV1();

        var response = await Post($"subjects/{subject}/versions", new { schema = AddedRackWithoutDefault });

        var message = await AssertError(response, HttpStatusCode.Conflict, 409);
        Assert.Contains($"incompatible with an earlier schema for subject \"{subject}\"", message);
        Assert.Contains("READER_FIELD_MISSING_DEFAULT_VALUE", message);
        Assert.Contains("'rack'", message);
    }

    [Fact]
    public async Task Malformed_request_body_is_a_confluent_error_not_a_bare_failure()
    {
        var response = await _http.PostAsync("subjects/malformed-value/versions",
            new StringContent("{\"schema\":", Encoding.UTF8, MediaType));

        await AssertError(response, HttpStatusCode.BadRequest, 400);
    }

    [Fact]
    public async Task Register_answers_the_id_and_lookup_answers_subject_version_id_and_schema()
    {
        var subject = SchemaRegistryFixture.NewSubject("shapes");

        var registered = await Post($"subjects/{subject}/versions", new { schema = V1, schemaType = "AVRO", references = Array.Empty<object>() });
        var id = (await AssertJson(registered)).GetProperty("id").GetInt32();

        var lookedUp = await AssertJson(await Post($"subjects/{subject}?normalize=False&deleted=True", new { schema = V1Reformatted }));
        Assert.Equal(subject, lookedUp.GetProperty("subject").GetString());
        Assert.Equal(1, lookedUp.GetProperty("version").GetInt32());
        Assert.Equal(id, lookedUp.GetProperty("id").GetInt32());
        Assert.Equal(Canonical(V1), lookedUp.GetProperty("schema").GetString());

        // Confluent leaves schemaType out for AVRO.
        var byId = await AssertJson(await _http.GetAsync($"schemas/ids/{id}?subject={subject}"));
        Assert.Equal([("schema", Canonical(V1))], byId.EnumerateObject().Select(p => (p.Name, p.Value.GetString())));

        var versions = await AssertJson(await _http.GetAsync($"schemas/ids/{id}/versions"));
        Assert.Contains(versions.EnumerateArray(), v =>
            v.GetProperty("subject").GetString() == subject && v.GetProperty("version").GetInt32() == 1);

        var raw = await _http.GetStringAsync($"subjects/{subject}/versions/latest/schema");
        Assert.Equal(Canonical(V1), raw);
    }

    [Fact]
    public async Task Config_get_names_compatibilityLevel_and_put_echoes_compatibility()
    {
        var subject = await RegisterV1();

        var notConfigured = await _http.GetAsync($"config/{subject}");
        await AssertError(notConfigured, HttpStatusCode.NotFound, 40408);

        var defaulted = await AssertJson(await _http.GetAsync($"config/{subject}?defaultToGlobal=true"));
        Assert.Equal("BACKWARD", defaulted.GetProperty("compatibilityLevel").GetString());

        var updated = await AssertJson(await Put($"config/{subject}", new { compatibility = "forward_transitive" }));
        Assert.Equal("FORWARD_TRANSITIVE", updated.GetProperty("compatibility").GetString());

        var read = await AssertJson(await _http.GetAsync($"config/{subject}"));
        Assert.Equal("FORWARD_TRANSITIVE", read.GetProperty("compatibilityLevel").GetString());

        var global = await AssertJson(await _http.GetAsync("config"));
        Assert.Equal("BACKWARD", global.GetProperty("compatibilityLevel").GetString());
    }

    [Fact]
    public async Task Verbose_compatibility_check_lists_the_problems()
    {
        var subject = await RegisterV1();

        var compatible = await AssertJson(await Post($"compatibility/subjects/{subject}/versions/latest", new { schema = V2WithOptionalUnit }));
        Assert.True(compatible.GetProperty("is_compatible").GetBoolean());
        Assert.False(compatible.TryGetProperty("messages", out _));

        var verdict = await AssertJson(await Post($"compatibility/subjects/{subject}/versions/1?verbose=true", new { schema = ValueAsString }));
        Assert.False(verdict.GetProperty("is_compatible").GetBoolean());
        Assert.Contains(verdict.GetProperty("messages").EnumerateArray(), m => m.GetString()!.Contains("TYPE_MISMATCH"));
    }

    [Fact]
    public async Task Deleting_a_subject_returns_its_versions_and_hides_it_while_its_ids_still_resolve()
    {
        var subject = await RegisterV1();
        var id = (await AssertJson(await _http.GetAsync($"subjects/{subject}/versions/1"))).GetProperty("id").GetInt32();

        var deleted = await AssertJson(await _http.DeleteAsync($"subjects/{subject}"));
        Assert.Equal([1], deleted.EnumerateArray().Select(v => v.GetInt32()));

        Assert.DoesNotContain(subject, await _http.GetStringAsync("subjects"));
        Assert.Contains(subject, await _http.GetStringAsync("subjects?deleted=true"));
        await AssertError(await _http.GetAsync($"subjects/{subject}/versions"), HttpStatusCode.NotFound, 40401);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"schemas/ids/{id}")).StatusCode);
    }

    [Fact]
    public async Task Subject_with_a_slash_is_addressed_through_its_escaped_form()
    {
        var subject = "team/" + SchemaRegistryFixture.NewSubject("slash");
        var escaped = Uri.EscapeDataString(subject);

        await AssertJson(await Post($"subjects/{escaped}/versions", new { schema = V1 }));

        Assert.Contains(subject, (await AssertJson(await _http.GetAsync("subjects"))).EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(subject, (await AssertJson(await _http.GetAsync($"subjects/{escaped}/versions/latest"))).GetProperty("subject").GetString());
    }

    private async Task<string> RegisterV1()
    {
        var subject = SchemaRegistryFixture.NewSubject("http");
        await AssertJson(await Post($"subjects/{subject}/versions", new { schema = V1 }));
        return subject;
    }

    private Task<HttpResponseMessage> Post(string path, object body) => _http.PostAsync(path, Body(body));

    private Task<HttpResponseMessage> Put(string path, object body) => _http.PutAsync(path, Body(body));

    private static StringContent Body(object body)
    {
        var content = new StringContent(JsonSerializer.Serialize(body));
        content.Headers.ContentType = new MediaTypeHeaderValue(MediaType);
        return content;
    }

    private static async Task<JsonElement> AssertJson(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal(MediaType, response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement;
    }

    private static async Task<string> AssertError(HttpResponseMessage response, HttpStatusCode status, int errorCode, string? message = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(MediaType, response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(body).RootElement;
        Assert.Equal(errorCode, error.GetProperty("error_code").GetInt32());
        var actual = error.GetProperty("message").GetString()!;
        if (message is not null)
        {
            Assert.Equal(message, actual);
        }

        return actual;
    }
}

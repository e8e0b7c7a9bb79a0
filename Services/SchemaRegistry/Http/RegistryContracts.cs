using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HpcAspire.SchemaRegistry.Http;

// The JSON bodies of Confluent's Schema Registry REST API (v1), as its clients send and expect them.

/// <summary>The body of a registration, lookup or compatibility check.</summary>
internal sealed record SchemaRequest(string? Schema, string? SchemaType, IReadOnlyList<JsonElement>? References);

internal sealed record SchemaIdResponse(int Id);

internal sealed record SchemaResponse(string Schema);

internal sealed record SubjectSchemaResponse(string Subject, int Version, int Id, string Schema);

internal sealed record SubjectVersionResponse(string Subject, int Version);

/// <summary>What <c>GET /config</c> answers: Confluent names the field differently from the update.</summary>
internal sealed record CompatibilityLevelResponse(string CompatibilityLevel);

/// <summary>The body of <c>PUT /config</c>, echoed back as its answer.</summary>
internal sealed record CompatibilityUpdate(string? Compatibility);

internal sealed record CompatibilityCheckResponse(
    [property: JsonPropertyName("is_compatible")] bool IsCompatible,
    IReadOnlyList<string>? Messages);

internal sealed record ErrorResponse(
    [property: JsonPropertyName("error_code")] int ErrorCode,
    string Message);

internal static class RegistryJson
{
    public const string ContentType = "application/vnd.schemaregistry.v1+json";

    /// <summary>
    /// camelCase like Confluent's API; absent rather than null, as Confluent omits what does not
    /// apply; quotes escaped as <c>\"</c> rather than <c>\u0022</c>, since no browser renders these
    /// bodies as HTML and schemas stay readable in logs and Kafdrop.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

using System.Text.Json.Serialization;

namespace HpcAspire.SchemaRegistry.Storage;

/// <summary>One line of the journal: a change to the registry, replayed in order at start-up.</summary>
internal sealed record JournalEntry(
    string Kind,
    string? Subject = null,
    int? Version = null,
    int? Id = null,
    string? Schema = null,
    string? Compatibility = null)
{
    /// <summary>A schema became version <see cref="Version"/> of <see cref="Subject"/> under global id <see cref="Id"/>.</summary>
    public const string SchemaRegistered = "schema-registered";

    /// <summary>Every version of <see cref="Subject"/> was soft-deleted.</summary>
    public const string SubjectDeleted = "subject-deleted";

    /// <summary>The compatibility level of <see cref="Subject"/> (or the global one when it is null) was set.</summary>
    public const string CompatibilitySet = "compatibility-set";

    /// <summary>The subject-level compatibility of <see cref="Subject"/> was removed.</summary>
    public const string CompatibilityRemoved = "compatibility-removed";
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JournalEntry))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;

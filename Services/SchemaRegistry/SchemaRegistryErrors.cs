namespace HpcAspire.SchemaRegistry;

/// <summary>
/// An error as Confluent's Schema Registry reports it: clients (the Confluent serializers, Kafdrop)
/// branch on <see cref="ErrorCode"/>, so the codes and statuses follow Confluent's exactly.
/// </summary>
internal sealed record SchemaRegistryError(int HttpStatus, int ErrorCode, string Message)
{
    public SchemaRegistryErrorException AsException() => new(this);
}

/// <summary>Carries a <see cref="SchemaRegistryError"/> from the store to the HTTP layer.</summary>
internal sealed class SchemaRegistryErrorException(SchemaRegistryError error) : Exception(error.Message)
{
    public SchemaRegistryError Error { get; } = error;
}

/// <summary>The Confluent error codes this registry can answer with.</summary>
internal static class SchemaRegistryErrors
{
    public static SchemaRegistryError SubjectNotFound(string subject) =>
        new(404, 40401, $"Subject '{subject}' not found.");

    public static SchemaRegistryError VersionNotFound(int version) =>
        new(404, 40402, $"Version {version} not found.");

    public static SchemaRegistryError SchemaNotFound(int id) =>
        new(404, 40403, $"Schema {id} not found.");

    public static SchemaRegistryError SchemaNotFoundInSubject() =>
        new(404, 40403, "Schema not found");

    public static SchemaRegistryError SubjectLevelCompatibilityNotConfigured(string subject) =>
        new(404, 40408, $"Subject '{subject}' does not have subject-level compatibility configured");

    public static SchemaRegistryError Incompatible(string subject, IEnumerable<string> details) =>
        new(409, 409, $"Schema being registered is incompatible with an earlier schema for subject \"{subject}\", details: [{string.Join(", ", details)}]");

    public static SchemaRegistryError InvalidSchema(string details) =>
        new(422, 42201, $"Invalid schema: {details}");

    public static SchemaRegistryError InvalidVersion(string version) =>
        new(422, 42202, $"The specified version '{version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");

    public static SchemaRegistryError InvalidCompatibilityLevel() =>
        new(422, 42203, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive");

    public static SchemaRegistryError MalformedRequest(string details) =>
        new(400, 400, $"Malformed request body: {details}");

    public static SchemaRegistryError StoreError(string details) =>
        new(500, 50001, $"Error in the backend data store - {details}");

    public static SchemaRegistryError NotFound() =>
        new(404, 404, "HTTP 404 Not Found");
}

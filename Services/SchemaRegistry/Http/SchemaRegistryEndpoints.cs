using System.Text.Json;
using HpcAspire.SchemaRegistry.Compatibility;
using HpcAspire.SchemaRegistry.Storage;

namespace HpcAspire.SchemaRegistry.Http;

/// <summary>
/// The subset of Confluent's Schema Registry REST API that the Confluent serializers, the
/// Confluent client's admin calls and Kafdrop use, with Confluent's paths, bodies and error codes.
/// </summary>
internal static partial class SchemaRegistryEndpoints
{
    public static void MapSchemaRegistryEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var registry = endpoints.MapGroup("").AddEndpointFilter(ReportErrorsAsync);

        registry.MapGet("/subjects", (SchemaStore store, string? deleted, string? subjectPrefix) =>
            Json(store.Subjects(Flag(deleted), subjectPrefix)));

        registry.MapGet("/subjects/{subject}/versions", (SchemaStore store, string subject, string? deleted) =>
            Json(store.Versions(Subject(subject), Flag(deleted))));

        registry.MapPost("/subjects/{subject}/versions", async (SchemaStore store, string subject, HttpRequest request) =>
            Json(new SchemaIdResponse(store.Register(Subject(subject), await ReadSchemaAsync(request)))));

        registry.MapGet("/subjects/{subject}/versions/{version}", (SchemaStore store, string subject, string version, string? deleted) =>
            Json(ToResponse(store.GetVersion(Subject(subject), VersionSelector.Parse(version), Flag(deleted)))));

        registry.MapGet("/subjects/{subject}/versions/{version}/schema", (SchemaStore store, string subject, string version, string? deleted) =>
            Results.Text(store.GetVersion(Subject(subject), VersionSelector.Parse(version), Flag(deleted)).Schema, RegistryJson.ContentType));

        registry.MapPost("/subjects/{subject}", async (SchemaStore store, string subject, string? deleted, HttpRequest request) =>
            Json(ToResponse(store.Lookup(Subject(subject), await ReadSchemaAsync(request), Flag(deleted)))));

        registry.MapDelete("/subjects/{subject}", (SchemaStore store, string subject) =>
            Json(store.DeleteSubject(Subject(subject))));

        registry.MapGet("/schemas/ids/{id:int}", (SchemaStore store, int id) =>
            Json(new SchemaResponse(store.GetById(id).Canonical)));

        registry.MapGet("/schemas/ids/{id:int}/versions", (SchemaStore store, int id, string? deleted) =>
            Json(store.VersionsOfSchema(id, Flag(deleted)).Select(v => new SubjectVersionResponse(v.Subject, v.Version))));

        registry.MapGet("/schemas/ids/{id:int}/subjects", (SchemaStore store, int id, string? deleted) =>
            Json(store.VersionsOfSchema(id, Flag(deleted)).Select(v => v.Subject).Distinct()));

        registry.MapGet("/schemas/types", () => Json(new[] { "AVRO" }));

        registry.MapGet("/config", (SchemaStore store) =>
            Json(new CompatibilityLevelResponse(store.GlobalLevel.ToWireName())));

        registry.MapPut("/config", async (SchemaStore store, HttpRequest request) =>
            Json(SetLevel(store, subject: null, await ReadLevelAsync(request))));

        registry.MapGet("/config/{subject}", (SchemaStore store, string subject, string? defaultToGlobal) =>
        {
            var level = store.SubjectLevel(Subject(subject))
                ?? (Flag(defaultToGlobal)
                    ? store.GlobalLevel
                    : throw SchemaRegistryErrors.SubjectLevelCompatibilityNotConfigured(Subject(subject)).AsException());
            return Json(new CompatibilityLevelResponse(level.ToWireName()));
        });

        registry.MapPut("/config/{subject}", async (SchemaStore store, string subject, HttpRequest request) =>
            Json(SetLevel(store, Subject(subject), await ReadLevelAsync(request))));

        registry.MapDelete("/config/{subject}", (SchemaStore store, string subject) =>
            Json(new CompatibilityLevelResponse(store.RemoveSubjectLevel(Subject(subject)).ToWireName())));

        registry.MapPost("/compatibility/subjects/{subject}/versions/{version}",
            async (SchemaStore store, string subject, string version, string? verbose, HttpRequest request) =>
            {
                var selector = VersionSelector.Parse(version);
                var problems = store.CheckCompatibility(Subject(subject), await ReadSchemaAsync(request), selector);
                return Json(new CompatibilityCheckResponse(problems.Count == 0, Flag(verbose) ? problems : null));
            });

        registry.MapPost("/compatibility/subjects/{subject}/versions",
            async (SchemaStore store, string subject, string? verbose, HttpRequest request) =>
            {
                var problems = store.CheckCompatibility(Subject(subject), await ReadSchemaAsync(request), version: null);
                return Json(new CompatibilityCheckResponse(problems.Count == 0, Flag(verbose) ? problems : null));
            });

        // Confluent answers unknown paths with its error body too; clients parse it.
        endpoints.MapFallback(() => Error(SchemaRegistryErrors.NotFound()));
    }

    private static CompatibilityUpdate SetLevel(SchemaStore store, string? subject, CompatibilityLevel level)
    {
        store.SetLevel(subject, level);
        return new CompatibilityUpdate(level.ToWireName());
    }

    private static SubjectSchemaResponse ToResponse(SubjectSchema found) =>
        new(found.Subject, found.Version, found.Id, found.Schema);

    private static async Task<ParsedSchema> ReadSchemaAsync(HttpRequest request)
    {
        var body = await ReadBodyAsync<SchemaRequest>(request);
        if (body.SchemaType is not null && !string.Equals(body.SchemaType, "AVRO", StringComparison.OrdinalIgnoreCase))
        {
            throw SchemaRegistryErrors.InvalidSchema($"schema type '{body.SchemaType}' is not supported, only AVRO").AsException();
        }

        if (body.References is { Count: > 0 })
        {
            throw SchemaRegistryErrors.InvalidSchema("schema references are not supported").AsException();
        }

        return ParsedSchema.Parse(body.Schema);
    }

    private static async Task<CompatibilityLevel> ReadLevelAsync(HttpRequest request)
    {
        var body = await ReadBodyAsync<CompatibilityUpdate>(request);
        return CompatibilityLevels.TryParse(body.Compatibility, out var level)
            ? level
            : throw SchemaRegistryErrors.InvalidCompatibilityLevel().AsException();
    }

    private static async Task<T> ReadBodyAsync<T>(HttpRequest request) where T : class
    {
        // Read by hand rather than bound: Confluent's client sends its own media type, and a bad
        // body must get a Confluent error, not the framework's empty 400.
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, RegistryJson.Options, request.HttpContext.RequestAborted)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw SchemaRegistryErrors.MalformedRequest(e.Message).AsException();
        }
    }

    /// <summary>
    /// Clients escape a subject with <c>Uri.EscapeDataString</c>; the server decodes every escape
    /// but <c>%2F</c>, which would otherwise split the path.
    /// </summary>
    private static string Subject(string routeValue) =>
        routeValue.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    /// <summary>The Confluent client sends <c>deleted=True</c>; anything but a true boolean means false.</summary>
    private static bool Flag(string? queryValue) => bool.TryParse(queryValue, out var flag) && flag;

    private static IResult Json<T>(T body) => Results.Json(body, RegistryJson.Options, RegistryJson.ContentType);

    private static IResult Error(SchemaRegistryError error) => Results.Json(
        new ErrorResponse(error.ErrorCode, error.Message), RegistryJson.Options, RegistryJson.ContentType, error.HttpStatus);

    private static async ValueTask<object?> ReportErrorsAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (SchemaRegistryErrorException e)
        {
            return Error(e.Error);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Still a Confluent error body: clients parse it, and retry 5xx answers.
            var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>()
                .CreateLogger(typeof(SchemaRegistryEndpoints).FullName!);
            LogUnexpected(logger, e, context.HttpContext.Request.Method, context.HttpContext.Request.Path);
            return Error(SchemaRegistryErrors.StoreError(e.Message));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure answering {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path);
}

namespace HpcAspire.SchemaRegistry.Storage;

/// <summary>A version of a subject: which global schema id it is, and the schema's text.</summary>
internal sealed record SubjectSchema(string Subject, int Version, int Id, string Schema);

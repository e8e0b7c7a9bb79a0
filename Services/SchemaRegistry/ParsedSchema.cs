using AvroSchema = Avro.Schema;

namespace HpcAspire.SchemaRegistry;

/// <summary>
/// An Avro schema as the registry keeps it. <see cref="Canonical"/> is the parser's own rendering,
/// so two texts that differ only in whitespace or key order share one id, as in Confluent's registry.
/// </summary>
internal sealed record ParsedSchema(string Canonical, AvroSchema Avro)
{
    public static ParsedSchema Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw SchemaRegistryErrors.InvalidSchema("the schema is empty").AsException();
        }

        AvroSchema? schema;
        try
        {
            schema = AvroSchema.Parse(text);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Apache.Avro throws SchemaParseException, Newtonsoft's JsonException and plain
            // argument exceptions for malformed text; each one is the client's mistake, never ours.
            throw SchemaRegistryErrors.InvalidSchema(e.Message).AsException();
        }

        // Apache.Avro returns null rather than throwing for a type name it does not know ("recrod").
        return schema is null
            ? throw SchemaRegistryErrors.InvalidSchema("the schema names no Avro type that is defined").AsException()
            : new ParsedSchema(schema.ToString(), schema);
    }
}

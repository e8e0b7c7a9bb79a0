using System.Text.Json.Nodes;
using Avro;

namespace HpcAspire.Contracts;

/// <summary>
/// Renames a writer schema's fields to the reader's names where the reader lists the writer's name among a field's
/// aliases (a field renamed since the writer wrote), as Java's <c>Schema.applyAliases</c> does before resolving.
/// Apache.Avro for .NET finds a renamed field but then also fills it in from its default, which a renamed field
/// without one cannot give: reading a record written before the rename fails. Field names are not in the binary
/// encoding, so the renamed writer schema reads the same bytes.
/// </summary>
public static class AvroFieldAliases
{
    /// <summary>The writer schema with its fields named as the reader names them; the same schema when no alias applies.</summary>
    public static Schema ApplyTo(Schema writer, Schema reader)
    {
        var renames = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        CollectAliases(reader, renames, []);
        if (renames.Count == 0)
        {
            return writer;
        }

        var json = JsonNode.Parse(writer.ToString())!;
        return Rename(json, renames, enclosingNamespace: null) ? Schema.Parse(json.ToJsonString()) : writer;
    }

    // Per record (by full name): alias -> the reader's field name.
    private static void CollectAliases(Schema schema, Dictionary<string, Dictionary<string, string>> renames, HashSet<string> seen)
    {
        switch (schema)
        {
            case RecordSchema record when seen.Add(record.Fullname):
                foreach (var field in record.Fields)
                {
                    foreach (var alias in field.Aliases ?? [])
                    {
                        if (!renames.TryGetValue(record.Fullname, out var byAlias))
                        {
                            renames[record.Fullname] = byAlias = new Dictionary<string, string>(StringComparer.Ordinal);
                        }

                        byAlias[alias] = field.Name;
                    }

                    CollectAliases(field.Schema, renames, seen);
                }

                break;
            case ArraySchema array:
                CollectAliases(array.ItemSchema, renames, seen);
                break;
            case MapSchema map:
                CollectAliases(map.ValueSchema, renames, seen);
                break;
            case UnionSchema union:
                foreach (var branch in union.Schemas)
                {
                    CollectAliases(branch, renames, seen);
                }

                break;
        }
    }

    private static bool Rename(JsonNode? node, Dictionary<string, Dictionary<string, string>> renames, string? enclosingNamespace)
    {
        var renamed = false;
        switch (node)
        {
            case JsonArray union:
                foreach (var branch in union)
                {
                    renamed |= Rename(branch, renames, enclosingNamespace);
                }

                break;
            case JsonObject schema:
                var type = schema["type"];
                switch ((type as JsonValue)?.GetValue<string>())
                {
                    case "record" or "error" when schema["name"]?.GetValue<string>() is { } name:
                        var dot = name.LastIndexOf('.');
                        var space = dot >= 0 ? name[..dot] : schema["namespace"]?.GetValue<string>() ?? enclosingNamespace;
                        var fullname = dot >= 0 || string.IsNullOrEmpty(space) ? name : $"{space}.{name}";
                        var fields = schema["fields"] as JsonArray ?? [];
                        var names = fields.Select(f => f?["name"]?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
                        renames.TryGetValue(fullname, out var byAlias);
                        foreach (var field in fields.OfType<JsonObject>())
                        {
                            // A field the writer already has under the reader's name keeps it: an exact name wins over an alias.
                            if (byAlias is not null && field["name"]?.GetValue<string>() is { } old && byAlias.TryGetValue(old, out var current) && !names.Contains(current))
                            {
                                field["name"] = current;
                                renamed = true;
                            }

                            renamed |= Rename(field["type"], renames, space);
                        }

                        break;
                    case "array":
                        renamed |= Rename(schema["items"], renames, enclosingNamespace);
                        break;
                    case "map":
                        renamed |= Rename(schema["values"], renames, enclosingNamespace);
                        break;
                    case null:
                        renamed |= Rename(type, renames, enclosingNamespace); // {"type": {...}} or {"type": [...]}
                        break;
                }

                break;
        }

        return renamed;
    }
}

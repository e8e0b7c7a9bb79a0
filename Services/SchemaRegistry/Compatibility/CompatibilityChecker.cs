using Avro;

namespace HpcAspire.SchemaRegistry.Compatibility;

/// <summary>
/// Applies a compatibility level: which earlier versions a new schema is checked against and in
/// which direction(s), each check being an Avro schema resolution.
/// </summary>
internal static class CompatibilityChecker
{
    /// <summary>
    /// Returns the reasons <paramref name="candidate"/> breaks <paramref name="level"/> in Confluent's
    /// message style; none when it is compatible.
    /// </summary>
    /// <param name="earlier">The subject's live versions, oldest first.</param>
    public static IReadOnlyList<string> Check(
        CompatibilityLevel level, Schema candidate, IReadOnlyList<(int Version, Schema Schema)> earlier)
    {
        if (level == CompatibilityLevel.None || earlier.Count == 0)
        {
            return [];
        }

        var against = level.IsTransitive() ? earlier.Reverse() : [earlier[^1]];
        var messages = new List<string>();
        foreach (var (version, schema) in against)
        {
            var before = messages.Count;
            if (level.ChecksBackward())
            {
                Describe(messages, SchemaResolution.Check(reader: candidate, writer: schema),
                    $"the new schema cannot read data written with version {version}");
            }

            if (level.ChecksForward())
            {
                Describe(messages, SchemaResolution.Check(reader: schema, writer: candidate),
                    $"version {version} cannot read data written with the new schema");
            }

            if (messages.Count > before)
            {
                messages.Add($"{{oldSchemaVersion: {version}}}");
            }
        }

        if (messages.Count > 0)
        {
            messages.Add($"{{compatibility: '{level.ToWireName()}'}}");
        }

        return messages;
    }

    private static void Describe(List<string> messages, IReadOnlyList<Incompatibility> found, string direction)
    {
        foreach (var incompatibility in found)
        {
            messages.Add(
                $"{{errorType:'{incompatibility.TypeName}', description:'{direction}: {incompatibility.Description}', path:'{incompatibility.Path}'}}");
        }
    }
}

namespace HpcAspire.SchemaRegistry.Compatibility;

/// <summary>Confluent's compatibility levels: which earlier versions a new schema is checked against, and how.</summary>
internal enum CompatibilityLevel
{
    None,
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
}

internal static class CompatibilityLevels
{
    private static readonly Dictionary<string, CompatibilityLevel> ByWireName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["NONE"] = CompatibilityLevel.None,
        ["BACKWARD"] = CompatibilityLevel.Backward,
        ["BACKWARD_TRANSITIVE"] = CompatibilityLevel.BackwardTransitive,
        ["FORWARD"] = CompatibilityLevel.Forward,
        ["FORWARD_TRANSITIVE"] = CompatibilityLevel.ForwardTransitive,
        ["FULL"] = CompatibilityLevel.Full,
        ["FULL_TRANSITIVE"] = CompatibilityLevel.FullTransitive,
    };

    /// <summary>Confluent accepts any case (<c>full</c>, <c>FULL</c>) and always answers in upper case.</summary>
    public static bool TryParse(string? wireName, out CompatibilityLevel level)
    {
        level = default;
        return wireName is not null && ByWireName.TryGetValue(wireName, out level);
    }

    public static string ToWireName(this CompatibilityLevel level) => level switch
    {
        CompatibilityLevel.None => "NONE",
        CompatibilityLevel.Backward => "BACKWARD",
        CompatibilityLevel.BackwardTransitive => "BACKWARD_TRANSITIVE",
        CompatibilityLevel.Forward => "FORWARD",
        CompatibilityLevel.ForwardTransitive => "FORWARD_TRANSITIVE",
        CompatibilityLevel.Full => "FULL",
        CompatibilityLevel.FullTransitive => "FULL_TRANSITIVE",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };

    /// <summary>The new schema must read data written with the earlier ones.</summary>
    public static bool ChecksBackward(this CompatibilityLevel level) =>
        level is CompatibilityLevel.Backward or CompatibilityLevel.BackwardTransitive
            or CompatibilityLevel.Full or CompatibilityLevel.FullTransitive;

    /// <summary>The earlier schemas must read data written with the new one.</summary>
    public static bool ChecksForward(this CompatibilityLevel level) =>
        level is CompatibilityLevel.Forward or CompatibilityLevel.ForwardTransitive
            or CompatibilityLevel.Full or CompatibilityLevel.FullTransitive;

    /// <summary>Every earlier version is checked, not only the latest.</summary>
    public static bool IsTransitive(this CompatibilityLevel level) =>
        level is CompatibilityLevel.BackwardTransitive or CompatibilityLevel.ForwardTransitive
            or CompatibilityLevel.FullTransitive;
}

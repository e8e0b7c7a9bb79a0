namespace HpcAspire.SchemaRegistry;

/// <summary>Settings bound from the <c>SchemaRegistry</c> configuration section.</summary>
public sealed class SchemaRegistryOptions
{
    public const string SectionName = "SchemaRegistry";

    /// <summary>
    /// Where the registry keeps its journal. Defaults to <c>&lt;ContentRoot&gt;/.data/schema-registry</c>.
    /// </summary>
    public string? DataDirectory { get; set; }
}

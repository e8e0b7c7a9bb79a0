namespace HpcAspire.SchemaRegistry.Compatibility;

/// <summary>The ways a reader schema can fail to resolve data written with a writer schema (Avro's own names).</summary>
internal enum IncompatibilityType
{
    NameMismatch,
    FixedSizeMismatch,
    MissingEnumSymbols,
    ReaderFieldMissingDefaultValue,
    TypeMismatch,
    MissingUnionBranch,
}

/// <summary>One reason a reader cannot read a writer's data, at a JSON-pointer-like path in the reader schema.</summary>
internal sealed record Incompatibility(IncompatibilityType Type, string Path, string Description)
{
    /// <summary>The upper-case names Avro's Java SchemaCompatibility and Confluent's messages use.</summary>
    public string TypeName => Type switch
    {
        IncompatibilityType.NameMismatch => "NAME_MISMATCH",
        IncompatibilityType.FixedSizeMismatch => "FIXED_SIZE_MISMATCH",
        IncompatibilityType.MissingEnumSymbols => "MISSING_ENUM_SYMBOLS",
        IncompatibilityType.ReaderFieldMissingDefaultValue => "READER_FIELD_MISSING_DEFAULT_VALUE",
        IncompatibilityType.TypeMismatch => "TYPE_MISMATCH",
        IncompatibilityType.MissingUnionBranch => "MISSING_UNION_BRANCH",
        _ => throw new ArgumentOutOfRangeException(nameof(Type), Type, null),
    };
}

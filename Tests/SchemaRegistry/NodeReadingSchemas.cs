namespace HpcAspire.Tests.SchemaRegistry;

/// <summary>Versions of a node sensor reading's Avro schema, compatible and not.</summary>
internal static class NodeReadingSchemas
{
    private const string Head = """{"type":"record","name":"NodeReading","namespace":"hpcaspire.tests","fields":[""";
    private const string Node = """{"name":"node","type":"string"},{"name":"sensor","type":"string"}""";

    public const string V1 = Head + Node + """,{"name":"value","type":"double"}]}""";

    /// <summary>V1 as a person would type it: other spacing and key order, the same schema.</summary>
    public const string V1Reformatted = """
        { "namespace": "hpcaspire.tests", "name": "NodeReading", "type": "record",
          "fields": [ { "type": "string", "name": "node" }, { "name": "sensor", "type": "string" },
                      { "name": "value", "type": "double" } ] }
        """;

    /// <summary>Backward compatible: a new optional field with a null default.</summary>
    public const string V2WithOptionalUnit = Head + Node
        + """,{"name":"value","type":"double"},{"name":"unit","type":["null","string"],"default":null}]}""";

    /// <summary>Not backward compatible: a new reader cannot fill "rack" in old data.</summary>
    public const string AddedRackWithoutDefault = Head + Node
        + """,{"name":"value","type":"double"},{"name":"rack","type":"int"}]}""";

    /// <summary>Not backward compatible: a string reader cannot read a double.</summary>
    public const string ValueAsString = Head + Node + """,{"name":"value","type":"string"}]}""";

    /// <summary>A schema with its own id, for tests that need several.</summary>
    public static string Numbered(int number) =>
        $$"""{"type":"record","name":"Numbered{{number}}","fields":[{"name":"n","type":"int"}]}""";

    public static string Canonical(string schema) => Avro.Schema.Parse(schema).ToString();
}

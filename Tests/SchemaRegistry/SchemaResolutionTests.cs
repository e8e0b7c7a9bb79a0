using HpcAspire.SchemaRegistry.Compatibility;
using HpcAspire.Tests.Support;
using AvroSchema = Avro.Schema;

namespace HpcAspire.Tests.SchemaRegistry;

/// <summary>
/// Reader/writer pairs from the Avro specification's "Schema Resolution" rules. Several of these
/// are answered wrongly by Apache.Avro 1.12.2's own Schema.CanRead (marked), which is why the
/// registry has its own checker.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class SchemaResolutionTests
{
    private static string Record(string fields, string name = "Reading") =>
        $$"""{"type":"record","name":"{{name}}","namespace":"hpc","fields":[{{fields}}]}""";

    private static string Field(string name, string type, string? defaultJson = null) =>
        $$"""{"name":"{{name}}","type":{{type}}{{(defaultJson is null ? "" : $",\"default\":{defaultJson}")}}}""";

    private const string Int = "\"int\"";
    private const string Long = "\"long\"";
    private const string Str = "\"string\"";

    public static TheoryData<string, string, string, string> Pairs => new()
    {
        // description, reader, writer, expected problem ("" when the reader reads the writer's data)
        { "identical records", Record(Field("a", Int)), Record(Field("a", Int)), "" },
        { "reader adds a field with a default", Record(Field("a", Int) + "," + Field("b", """["null","string"]""", "null")), Record(Field("a", Int)), "" },
        { "reader adds a field with a non-null default", Record(Field("a", Int) + "," + Field("b", Str, "\"n/a\"")), Record(Field("a", Int)), "" },
        { "reader adds a field without a default", Record(Field("a", Int) + "," + Field("b", Str)), Record(Field("a", Int)), "READER_FIELD_MISSING_DEFAULT_VALUE" },
        { "reader drops a writer field", Record(Field("a", Int)), Record(Field("a", Int) + "," + Field("b", Str)), "" },
        { "field order changes", Record(Field("b", Str) + "," + Field("a", Int)), Record(Field("a", Int) + "," + Field("b", Str)), "" },
        { "int promoted to long", Record(Field("a", Long)), Record(Field("a", Int)), "" },
        { "int promoted to double", "\"double\"", Int, "" },
        { "long promoted to float", "\"float\"", Long, "" },
        { "float promoted to double", "\"double\"", "\"float\"", "" },
        { "string promoted to bytes (CanRead refuses)", "\"bytes\"", Str, "" },
        { "bytes promoted to string", Str, "\"bytes\"", "" },
        { "long narrowed to int", Record(Field("a", Int)), Record(Field("a", Long)), "TYPE_MISMATCH" },
        { "double narrowed to float", "\"float\"", "\"double\"", "TYPE_MISMATCH" },
        { "string changed to int", Record(Field("a", Int)), Record(Field("a", Str)), "TYPE_MISMATCH" },
        { "boolean read as int", Int, "\"boolean\"", "TYPE_MISMATCH" },
        { "record renamed", Record(Field("a", Int), "Sample"), Record(Field("a", Int)), "NAME_MISMATCH" },
        { "record moved to another namespace", Record(Field("a", Int)), Record(Field("a", Int)).Replace("\"hpc\"", "\"other\""), "" },
        { "field renamed with an alias", Record("""{"name":"b","aliases":["a"],"type":"int"}"""), Record(Field("a", Int)), "" },
        { "field renamed without alias or default", Record(Field("b", Int)), Record(Field("a", Int)), "READER_FIELD_MISSING_DEFAULT_VALUE" },
        { "enum gains a symbol", Enum("A", "B", "C"), Enum("A", "B"), "" },
        { "enum loses a symbol (CanRead accepts)", Enum("A"), Enum("A", "B"), "MISSING_ENUM_SYMBOLS" },
        { "enum loses a symbol but has a default", """{"type":"enum","name":"State","symbols":["A"],"default":"A"}""", Enum("A", "B"), "" },
        { "nested record gains a field without default", Record(Field("n", Record(Field("x", Int) + "," + Field("y", Int), "Inner"))), Record(Field("n", Record(Field("x", Int), "Inner"))), "READER_FIELD_MISSING_DEFAULT_VALUE" },
        { "nested record field changes type", Record(Field("n", Record(Field("x", Str), "Inner"))), Record(Field("n", Record(Field("x", Int), "Inner"))), "TYPE_MISMATCH" },
        { "nested record field promoted", Record(Field("n", Record(Field("x", Long), "Inner"))), Record(Field("n", Record(Field("x", Int), "Inner"))), "" },
        { "union gains a branch", """["null","string","int"]""", """["null","string"]""", "" },
        { "union loses a branch (CanRead accepts)", """["null"]""", """["null","string"]""", "MISSING_UNION_BRANCH" },
        { "plain type widened into a union", """["null","string"]""", Str, "" },
        { "plain type read by a union without it", """["null","int"]""", Str, "MISSING_UNION_BRANCH" },
        { "plain type read by a union through promotion", """["null","long"]""", Int, "" },
        { "union narrowed to one of its types (CanRead accepts)", Str, """["null","string"]""", "TYPE_MISMATCH" },
        { "union of promotable types read as the wider type", Long, """["int","long"]""", "" },
        { "optional field made required", Record(Field("a", Str)), Record(Field("a", """["null","string"]""", "null")), "TYPE_MISMATCH" },
        { "array items promoted", """{"type":"array","items":"long"}""", """{"type":"array","items":"int"}""", "" },
        { "array items changed", """{"type":"array","items":"int"}""", """{"type":"array","items":"string"}""", "TYPE_MISMATCH" },
        { "map values changed", """{"type":"map","values":"int"}""", """{"type":"map","values":"string"}""", "TYPE_MISMATCH" },
        { "fixed size changed", """{"type":"fixed","name":"Hash","size":16}""", """{"type":"fixed","name":"Hash","size":32}""", "FIXED_SIZE_MISMATCH" },
        { "array read as map", """{"type":"map","values":"int"}""", """{"type":"array","items":"int"}""", "TYPE_MISMATCH" },
        { "logical date read as its int", Int, """{"type":"int","logicalType":"date"}""", "" },
        { "recursive list unchanged", Record(Field("next", """["null","Reading"]""", "null")), Record(Field("next", """["null","Reading"]""", "null")), "" },
        { "recursive list gains a field without default", Record(Field("next", """["null","Reading"]""", "null") + "," + Field("b", Int)), Record(Field("next", """["null","Reading"]""", "null")), "READER_FIELD_MISSING_DEFAULT_VALUE" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Reader_resolves_writer_as_the_avro_specification_says(string description, string reader, string writer, string expectedProblem)
    {
        var found = SchemaResolution.Check(AvroSchema.Parse(reader), AvroSchema.Parse(writer));

        if (expectedProblem.Length == 0)
        {
            Assert.True(found.Count == 0, $"{description}: {string.Join("; ", found)}");
        }
        else
        {
            Assert.Contains(expectedProblem, found.Select(f => f.TypeName));
        }
    }

    [Fact]
    public void Problems_carry_the_path_and_name_of_what_breaks()
    {
        var reader = Record(Field("a", Int) + "," + Field("n", Record(Field("x", Int) + "," + Field("rack", Int), "Inner")));
        var writer = Record(Field("a", Int) + "," + Field("n", Record(Field("x", Int), "Inner")));

        var problem = Assert.Single(SchemaResolution.Check(AvroSchema.Parse(reader), AvroSchema.Parse(writer)));

        Assert.Equal(IncompatibilityType.ReaderFieldMissingDefaultValue, problem.Type);
        Assert.Equal("/fields/1/type/fields/1", problem.Path);
        Assert.Contains("'rack'", problem.Description);
    }

    [Fact]
    public void Every_writer_union_branch_the_reader_cannot_read_is_reported()
    {
        var found = SchemaResolution.Check(AvroSchema.Parse(Int), AvroSchema.Parse("""["string","int","boolean"]"""));

        Assert.Equal(["/0", "/2"], found.Select(f => f.Path));
    }

    private static string Enum(params string[] symbols) =>
        $$"""{"type":"enum","name":"State","symbols":[{{string.Join(",", symbols.Select(s => $"\"{s}\""))}}]}""";
}

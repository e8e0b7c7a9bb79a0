using Avro;
using Avro.Generic;
using Avro.IO;
using HpcAspire.Contracts;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Contracts;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class AvroFieldAliasesTests
{
    private const string Writer = """
        {"type":"record","name":"Usage","namespace":"test","fields":[
          {"name":"watts","type":"double"},
          {"name":"parts","type":{"type":"array","items":{"type":"record","name":"Part","fields":[{"name":"w","type":"double"}]}}}]}
        """;

    // watts renamed to totalWatts, Part.w to partWatts, and a field added with a default.
    private const string Reader = """
        {"type":"record","name":"Usage","namespace":"test","fields":[
          {"name":"totalWatts","type":"double","aliases":["watts"]},
          {"name":"parts","type":{"type":"array","items":{"type":"record","name":"Part","fields":[{"name":"partWatts","type":"double","aliases":["w"]}]}}},
          {"name":"note","type":["null","string"],"default":null}]}
        """;

    [Fact]
    public void A_record_written_before_its_fields_were_renamed_reads_under_the_new_names()
    {
        var (writer, reader, bytes) = Written();

        var read = Read(AvroFieldAliases.ApplyTo(writer, reader), reader, bytes);

        Assert.Equal(812.5, read["totalWatts"]);
        Assert.Equal(400.25, ((GenericRecord)((object[])read["parts"])[0])["partWatts"]);
        Assert.Null(read["note"]);
    }

    [Fact]
    public void Apache_Avro_alone_cannot_read_it_which_is_why_the_aliases_are_applied_first()
    {
        var (writer, reader, bytes) = Written();

        Assert.ThrowsAny<AvroException>(() => Read(writer, reader, bytes));
    }

    [Fact]
    public void A_schema_the_aliases_do_not_touch_is_returned_as_it_is()
    {
        var (writer, _, _) = Written();

        Assert.Same(writer, AvroFieldAliases.ApplyTo(writer, writer));
    }

    private static (Schema Writer, Schema Reader, byte[] Bytes) Written()
    {
        var writer = (RecordSchema)Schema.Parse(Writer);
        var part = new GenericRecord((RecordSchema)((ArraySchema)writer["parts"].Schema).ItemSchema);
        part.Add("w", 400.25);
        var record = new GenericRecord(writer);
        record.Add("watts", 812.5);
        record.Add("parts", new object[] { part });
        var stream = new MemoryStream();
        new GenericDatumWriter<GenericRecord>(writer).Write(record, new BinaryEncoder(stream));
        return (writer, Schema.Parse(Reader), stream.ToArray());
    }

    private static GenericRecord Read(Schema writer, Schema reader, byte[] bytes) =>
        new GenericDatumReader<GenericRecord>(writer, reader).Read(null!, new BinaryDecoder(new MemoryStream(bytes)));
}

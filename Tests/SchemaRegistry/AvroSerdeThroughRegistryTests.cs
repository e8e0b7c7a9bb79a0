using System.Buffers.Binary;
using Avro.Generic;
using Avro.IO;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using HpcAspire.Tests.Support;
using static HpcAspire.Tests.SchemaRegistry.NodeReadingSchemas;
using AvroSchema = Avro.Schema;
using RecordSchema = Avro.RecordSchema;

namespace HpcAspire.Tests.SchemaRegistry;

/// <summary>
/// Confluent's Avro serializer and deserializer working through the registry, and a schema evolving
/// under BACKWARD compatibility with readers of both versions still reading.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class AvroSerdeThroughRegistryTests(SchemaRegistryFixture registry) : IClassFixture<SchemaRegistryFixture>
{
    [Fact]
    public async Task Serializer_registers_the_schema_and_deserializer_reads_the_record_back()
    {
        var topic = NewTopic("round-trip");
        using var client = registry.Server.CreateClient();
        var reading = Reading(V1, "cn042", "cpu0-temp", 61.5);

        var bytes = await Serialize(client, topic, reading);

        // Confluent framing: magic byte 0, then the schema id, big-endian.
        var registered = await client.GetLatestSchemaAsync(topic + "-value");
        Assert.Equal(0, bytes[0]);
        Assert.Equal(registered.Id, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1, 4)));

        using var otherClient = registry.Server.CreateClient();
        var read = await Deserialize(otherClient, topic, bytes, useLatestVersion: false);
        Assert.Equal(("cn042", "cpu0-temp", 61.5), ((string)read["node"], (string)read["sensor"], (double)read["value"]));
    }

    [Fact]
    public async Task Optional_field_evolves_under_backward_and_readers_of_both_versions_read_both()
    {
        var topic = NewTopic("evolution");
        var subject = topic + "-value";
        using var client = registry.Server.CreateClient();

        var v1Bytes = await Serialize(client, topic, Reading(V1, "cn001", "psu-watts", 412.0));
        var v2Record = Reading(V2WithOptionalUnit, "cn002", "psu-watts", 398.5);
        v2Record.Add("unit", "W");
        var v2Bytes = await Serialize(client, topic, v2Record);

        Assert.Equal([1, 2], await client.GetSubjectVersionsAsync(subject));

        // A new reader (the latest schema) reads old data: the new field takes its default.
        using var newReader = registry.Server.CreateClient();
        var oldDataNewReader = await Deserialize(newReader, topic, v1Bytes, useLatestVersion: true);
        Assert.Equal("NodeReading", oldDataNewReader.Schema.Name);
        Assert.True(oldDataNewReader.Schema.Contains("unit"));
        Assert.Null(oldDataNewReader["unit"]);
        Assert.Equal(412.0, (double)oldDataNewReader["value"]);

        // An old reader, still on version 1, reads new data: it skips the field it does not know.
        var oldDataReader = await ReadWithReaderSchema(newReader, v2Bytes, AvroSchema.Parse(V1));
        Assert.False(oldDataReader.Schema.Contains("unit"));
        Assert.Equal(("cn002", 398.5), ((string)oldDataReader["node"], (double)oldDataReader["value"]));

        // And the writer's own schema still reads its data in full.
        var newData = await Deserialize(newReader, topic, v2Bytes, useLatestVersion: false);
        Assert.Equal("W", newData["unit"]);
    }

    [Theory]
    [InlineData(nameof(AddedRackWithoutDefault), "READER_FIELD_MISSING_DEFAULT_VALUE")]
    [InlineData(nameof(ValueAsString), "TYPE_MISMATCH")]
    public async Task Incompatible_change_is_refused_with_409_and_leaves_the_subject_as_it_was(string change, string expectedProblem)
    {
        var subject = NewTopic("refused") + "-value";
        var schema = change == nameof(AddedRackWithoutDefault) ? AddedRackWithoutDefault : ValueAsString;
        using var client = registry.Server.CreateClient();
        await client.RegisterSchemaAsync(subject, new Confluent.SchemaRegistry.Schema(V1, SchemaType.Avro));

        var error = await Assert.ThrowsAsync<SchemaRegistryException>(
            () => client.RegisterSchemaAsync(subject, new Confluent.SchemaRegistry.Schema(schema, SchemaType.Avro)));

        Assert.Equal(409, error.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, error.Status);
        Assert.Contains(expectedProblem, error.Message);
        Assert.Contains("BACKWARD", error.Message);
        Assert.Equal([1], await client.GetSubjectVersionsAsync(subject));
    }

    private static string NewTopic(string name) => $"readings-{name}-{Guid.NewGuid():N}";

    private static GenericRecord Reading(string schema, string node, string sensor, double value)
    {
        var record = new GenericRecord((RecordSchema)AvroSchema.Parse(schema));
        record.Add("node", node);
        record.Add("sensor", sensor);
        record.Add("value", value);
        return record;
    }

    private static async Task<byte[]> Serialize(ISchemaRegistryClient client, string topic, GenericRecord record) =>
        await new AvroSerializer<GenericRecord>(client)
            .SerializeAsync(record, new SerializationContext(MessageComponentType.Value, topic));

    private static async Task<GenericRecord> Deserialize(ISchemaRegistryClient client, string topic, byte[] bytes, bool useLatestVersion) =>
        await new AvroDeserializer<GenericRecord>(client, new AvroDeserializerConfig { UseLatestVersion = useLatestVersion })
            .DeserializeAsync(bytes, isNull: false, new SerializationContext(MessageComponentType.Value, topic));

    /// <summary>What a consumer pinned to an older schema does: writer schema from the registry, its own reader schema.</summary>
    private static async Task<GenericRecord> ReadWithReaderSchema(ISchemaRegistryClient client, byte[] bytes, AvroSchema reader)
    {
        var writer = AvroSchema.Parse((await client.GetSchemaAsync(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1, 4)))).SchemaString);
        using var payload = new MemoryStream(bytes, 5, bytes.Length - 5);
        return new GenericReader<GenericRecord>(writer, reader).Read(reuse: null!, new BinaryDecoder(payload));
    }
}

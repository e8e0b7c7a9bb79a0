using System.Text.Json.Nodes;
using Avro.Generic;
using Avro.IO;
using Confluent.Kafka;
using Confluent.SchemaRegistry.Serdes;
using HpcAspire.Contracts;
using HpcAspire.Framing;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Tests.Contracts;
using HpcAspire.Tests.SchemaRegistry;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Sink;

[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class AvroMessageDecoderTests(SchemaRegistryFixture registry) : IClassFixture<SchemaRegistryFixture>
{
    private readonly string _topic = $"enriched-readings-{Guid.NewGuid():N}";

    [Fact]
    public async Task A_framed_registered_message_decodes_to_its_record()
    {
        using var client = registry.Server.CreateClient();
        var bytes = SampleResults.Serialize(client, _topic, SampleResults.Reading("node-007", 44));

        var decoded = await new AvroMessageDecoder<EnrichedReading>(client).DecodeAsync(bytes);

        Assert.True(decoded.IsDecoded, decoded.Error);
        Assert.Equal("node-007", decoded.Value!.Reading.NodeId);
        Assert.Equal(SampleResults.Start.AddSeconds(44), decoded.Value.Reading.Timestamp);
        Assert.Equal([AnomalyKind.PowerSpike, AnomalyKind.CpuOverheating], decoded.Value.Anomalies);
    }

    [Fact]
    public async Task A_job_energy_written_under_the_first_schema_decodes_with_its_powers_under_the_names_of_their_basis()
    {
        using var client = registry.Server.CreateClient();
        var energyTopic = $"job-energy-{Guid.NewGuid():N}";
        var (old, record) = JobEnergyEvolutionTests.FirstJobEnergyRecord();
        var oldId = await client.RegisterSchemaAsync($"{energyTopic}-value", new Confluent.SchemaRegistry.Schema(old.ToString(), Confluent.SchemaRegistry.SchemaType.Avro));
        SampleResults.Serialize(client, energyTopic, SampleResults.Energy(1)); // the current schema registers after it (BACKWARD)
        using var framed = new MemoryStream();
        AvroFrame.Write(framed, oldId);
        new GenericDatumWriter<GenericRecord>(old).Write(record, new BinaryEncoder(framed));

        var decoded = await new AvroMessageDecoder<JobEnergy>(client).DecodeAsync(framed.ToArray());

        Assert.True(decoded.IsDecoded, decoded.Error);
        Assert.Equal(1389.8, decoded.Value!.MeanJobPowerWatts);
        Assert.Equal(584.6, decoded.Value.PeakNodePowerWatts);
        Assert.Null(decoded.Value.PeakJobPowerWatts);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0, 0, 1, 2, 3 })]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[0])]
    public async Task A_value_without_the_Confluent_frame_is_NotConfluentFramed(byte[] value)
    {
        using var client = registry.Server.CreateClient();
        var decoded = await new AvroMessageDecoder<EnrichedReading>(client).DecodeAsync(value);
        Assert.Equal(DeadLetterReason.NotConfluentFramed, decoded.Failure);
    }

    [Fact]
    public async Task A_schema_id_the_registry_does_not_know_is_UnknownSchemaId()
    {
        using var client = registry.Server.CreateClient();
        var bytes = SampleResults.Serialize(client, _topic, SampleResults.Reading("node-007", 42));
        bytes[1] = 0x7f; // schema id 0x7fxxxxxx: far beyond any registered id

        var decoded = await new AvroMessageDecoder<EnrichedReading>(client).DecodeAsync(bytes);

        Assert.Equal(DeadLetterReason.UnknownSchemaId, decoded.Failure);
        Assert.Contains("not in the registry", decoded.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_body_is_UndecodableBody()
    {
        using var client = registry.Server.CreateClient();
        var bytes = SampleResults.Serialize(client, _topic, SampleResults.Reading("node-007", 42));

        var decoded = await new AvroMessageDecoder<EnrichedReading>(client).DecodeAsync(bytes[..(bytes.Length / 2)]);

        Assert.Equal(DeadLetterReason.UndecodableBody, decoded.Failure);
    }

    [Fact]
    public async Task A_registry_that_cannot_be_reached_throws_instead_of_condemning_the_message()
    {
        using var writer = registry.Server.CreateClient();
        var bytes = SampleResults.Serialize(writer, _topic, SampleResults.Reading("node-007", 42));
        using var unreachable = new Confluent.SchemaRegistry.CachedSchemaRegistryClient(new Confluent.SchemaRegistry.SchemaRegistryConfig
        {
            Url = "http://127.0.0.1:9", RequestTimeoutMs = 2000, MaxRetries = 0,
        });

        await Assert.ThrowsAnyAsync<Exception>(() => new AvroMessageDecoder<EnrichedReading>(unreachable).DecodeAsync(bytes).AsTask());
    }

    [Fact]
    public async Task The_framed_serializer_writes_the_bytes_Confluents_serializer_writes()
    {
        using var client = registry.Server.CreateClient();
        var context = new SerializationContext(MessageComponentType.Value, _topic);
        var reading = SampleResults.Reading("node-007", 44);
        var energy = SampleResults.Energy(3);

        Assert.Equal(await new AvroSerializer<EnrichedReading>(client).SerializeAsync(reading, context),
            await new AvroFramedSerializer<EnrichedReading>(client).SerializeAsync(reading, context));
        var jobEnergyContext = new SerializationContext(MessageComponentType.Value, _topic + "-energy");
        Assert.Equal(await new AvroSerializer<JobEnergy>(client).SerializeAsync(energy, jobEnergyContext),
            new AvroFramedSerializer<JobEnergy>(client).Serialize(energy, jobEnergyContext));
        Assert.Null(new AvroFramedSerializer<JobEnergy>(client).Serialize(null!, jobEnergyContext)); // a control record's value
    }

    [Fact]
    public async Task A_message_written_with_a_newer_schema_version_is_read_by_resolution()
    {
        using var client = registry.Server.CreateClient();
        var v1Bytes = SampleResults.Serialize(client, _topic, SampleResults.Reading("node-007", 44));
        var v2Json = JsonNode.Parse(EnrichedReading._SCHEMA.ToString())!.AsObject();
        v2Json["fields"]!.AsArray().Add(new JsonObject { ["name"] = "rack", ["type"] = new JsonArray("null", "string"), ["default"] = null });
        var v2Schema = Avro.Schema.Parse(v2Json.ToJsonString());

        // The same reading as a v2 record (read from its v1 bytes by resolution), with the new field set.
        var v2 = new GenericDatumReader<GenericRecord>(EnrichedReading._SCHEMA, v2Schema)
            .Read(null!, new BinaryDecoder(new MemoryStream(v1Bytes, 5, v1Bytes.Length - 5)));
        v2.Add("rack", "r12");
        var v2Bytes = SampleResults.Serialize(client, _topic, v2);

        var decoded = await new AvroMessageDecoder<EnrichedReading>(client).DecodeAsync(v2Bytes);

        Assert.True(decoded.IsDecoded, decoded.Error);
        Assert.Equal([1, 2], await client.GetSubjectVersionsAsync(_topic + "-value"));
        Assert.NotEqual(v1Bytes[1..5], v2Bytes[1..5]);
        Assert.Equal(v1Bytes, SampleResults.Serialize(client, _topic, decoded.Value!)); // every v1 field as written
    }

    [Fact]
    public async Task A_batch_reads_back_as_its_records_in_order_and_a_single_record_as_a_batch_of_one()
    {
        using var client = registry.Server.CreateClient();
        var decoder = new AvroMessageDecoder<EnrichedReading>(client);
        EnrichedReading[] records = [.. Enumerable.Range(0, 300).Select(i => SampleResults.Reading($"node-{i % 7:D3}", i))];
        var batch = await new AvroBatchWriter<EnrichedReading>(client).WriteAsync(records, _topic + "-batches");

        var decoded = await decoder.DecodeAllAsync(batch);
        var single = await decoder.DecodeAllAsync(SampleResults.Serialize(client, _topic, records[5]));

        Assert.True(decoded.IsDecoded, decoded.Error);
        Assert.True(decoded.IsBatch);
        Assert.Equal(records.Select(r => (r.Reading.NodeId, r.Reading.Timestamp)), decoded.Value!.Select(r => (r.Reading.NodeId, r.Reading.Timestamp)));
        Assert.Equal(SampleResults.Serialize(client, _topic, records[299]), SampleResults.Serialize(client, _topic, decoded.Value![299])); // every field
        Assert.StartsWith("{\"type\":\"array\"", (await client.GetLatestSchemaAsync(_topic + "-batches-value")).SchemaString, StringComparison.Ordinal);
        Assert.True(single.IsDecoded, single.Error);
        Assert.False(single.IsBatch);
        Assert.Equal("node-005", Assert.Single(single.Value!).Reading.NodeId);
    }

    [Fact]
    public async Task A_batch_body_is_the_Avro_array_Apache_Avro_writes()
    {
        using var client = registry.Server.CreateClient();
        EnrichedReading[] records = [.. Enumerable.Range(0, 50).Select(i => SampleResults.Reading($"node-{i % 7:D3}", i))];

        var batch = await new AvroBatchWriter<EnrichedReading>(client).WriteAsync(records, _topic + "-batches");

        using var expected = new MemoryStream();
        var encoder = new BinaryEncoder(expected);
        var writer = new Avro.Specific.SpecificDatumWriter<EnrichedReading>(records[0].Schema);
        encoder.WriteArrayStart();
        encoder.SetItemCount(records.Length);
        foreach (var record in records)
        {
            encoder.StartItem();
            writer.Write(record, encoder);
        }

        encoder.WriteArrayEnd();
        Assert.Equal(expected.ToArray(), batch[5..]);
    }

    [Fact]
    public async Task A_batch_where_one_record_is_expected_or_a_truncated_batch_is_UndecodableBody()
    {
        using var client = registry.Server.CreateClient();
        var decoder = new AvroMessageDecoder<EnrichedReading>(client);
        var batch = await new AvroBatchWriter<EnrichedReading>(client).WriteAsync(
            [SampleResults.Reading("node-001", 1), SampleResults.Reading("node-002", 1)], _topic + "-batches");

        var asOne = await decoder.DecodeAsync(batch);
        var truncated = await decoder.DecodeAllAsync(batch[..(batch.Length - 20)]);

        Assert.Equal(DeadLetterReason.UndecodableBody, asOne.Failure);
        Assert.Contains("batch", asOne.Error, StringComparison.Ordinal);
        Assert.Equal(DeadLetterReason.UndecodableBody, truncated.Failure);
    }
}

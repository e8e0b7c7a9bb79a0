using HpcAspire.Contracts;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Tests.SchemaRegistry;

namespace HpcAspire.Tests.Sink;

public sealed class AvroMessageDecoderTests(SchemaRegistryFixture registry) : IClassFixture<SchemaRegistryFixture>
{
    private readonly string topic = $"enriched-readings-{Guid.NewGuid():N}";

    [Fact]
    public async Task A_framed_registered_message_decodes_to_its_record()
    {
        using var client = registry.Server.CreateClient();
        var bytes = SampleResults.Serialize(client, topic, SampleResults.Reading("node-007", 44));

        var decoded = await new AvroMessageDecoder<EnrichedReading>(client).DecodeAsync(topic, bytes);

        Assert.True(decoded.IsDecoded, decoded.Error);
        Assert.Equal("node-007", decoded.Value!.Reading.NodeId);
        Assert.Equal(SampleResults.Start.AddSeconds(44), decoded.Value.Reading.Timestamp);
        Assert.Equal([AnomalyKind.PowerSpike, AnomalyKind.CpuOverheating], decoded.Value.Anomalies);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0, 0, 1, 2, 3 })]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[0])]
    public async Task A_value_without_the_Confluent_frame_is_NotConfluentFramed(byte[] value)
    {
        using var client = registry.Server.CreateClient();
        var decoded = await new AvroMessageDecoder<EnrichedReading>(client).DecodeAsync(topic, value);
        Assert.Equal(UndecodableReason.NotConfluentFramed, decoded.Failure);
    }

    [Fact]
    public async Task A_schema_id_the_registry_does_not_know_is_UnknownSchemaId()
    {
        using var client = registry.Server.CreateClient();
        var bytes = SampleResults.Serialize(client, topic, SampleResults.Reading("node-007", 42));
        bytes[1] = 0x7f; // schema id 0x7fxxxxxx: far beyond any registered id

        var decoded = await new AvroMessageDecoder<EnrichedReading>(client).DecodeAsync(topic, bytes);

        Assert.Equal(UndecodableReason.UnknownSchemaId, decoded.Failure);
        Assert.Contains("not in the registry", decoded.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_body_is_UndecodableBody()
    {
        using var client = registry.Server.CreateClient();
        var bytes = SampleResults.Serialize(client, topic, SampleResults.Reading("node-007", 42));

        var decoded = await new AvroMessageDecoder<EnrichedReading>(client).DecodeAsync(topic, bytes[..(bytes.Length / 2)]);

        Assert.Equal(UndecodableReason.UndecodableBody, decoded.Failure);
    }

    [Fact]
    public async Task A_registry_that_cannot_be_reached_throws_instead_of_condemning_the_message()
    {
        using var writer = registry.Server.CreateClient();
        var bytes = SampleResults.Serialize(writer, topic, SampleResults.Reading("node-007", 42));
        using var unreachable = new Confluent.SchemaRegistry.CachedSchemaRegistryClient(new Confluent.SchemaRegistry.SchemaRegistryConfig
        {
            Url = "http://127.0.0.1:9", RequestTimeoutMs = 2000, MaxRetries = 0,
        });

        await Assert.ThrowsAnyAsync<Exception>(() => new AvroMessageDecoder<EnrichedReading>(unreachable).DecodeAsync(topic, bytes));
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Confluent.SchemaRegistry;
using HpcAspire.Tests.Support;
using static HpcAspire.Tests.SchemaRegistry.NodeReadingSchemas;
using RegistrySchema = Confluent.SchemaRegistry.Schema;

namespace HpcAspire.Tests.SchemaRegistry;

/// <summary>The registry's meter counts registrations by outcome and lookups by whether they found something.</summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class SchemaRegistryMetricsTests
{
    [Fact]
    public async Task Registrations_and_lookups_are_counted_on_the_registry_meter()
    {
        using var data = new TemporaryDirectory();
        await using var server = SchemaRegistryServer.Start(data.Path);
        var meterFactory = server.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentQueue<(string Instrument, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this server's meter: other registries in the test process count too.
            if (instrument.Meter.Name == "HpcAspire.SchemaRegistry" && instrument.Meter.Scope == meterFactory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
            measurements.Enqueue((instrument.Name, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")))));
        listener.Start();

        using (var client = server.CreateClient())
        {
            var id = await client.RegisterSchemaAsync("readings-value", new RegistrySchema(V1, SchemaType.Avro));
            await client.GetSchemaAsync(id);
        }

        using (var client = server.CreateClient())
        {
            await client.RegisterSchemaAsync("readings-value", new RegistrySchema(V1, SchemaType.Avro));
            await Assert.ThrowsAsync<SchemaRegistryException>(
                () => client.RegisterSchemaAsync("readings-value", new RegistrySchema(ValueAsString, SchemaType.Avro)));
            await Assert.ThrowsAsync<SchemaRegistryException>(() => client.GetSchemaAsync(424242));
        }

        Assert.Equal(
            [
                ("hpcaspire.schema_registry.registrations", "outcome=new"),
                ("hpcaspire.schema_registry.lookups", "kind=id,found=True"),
                ("hpcaspire.schema_registry.registrations", "outcome=existing"),
                ("hpcaspire.schema_registry.registrations", "outcome=incompatible"),
                ("hpcaspire.schema_registry.lookups", "kind=id,found=False"),
            ],
            measurements);
    }
}

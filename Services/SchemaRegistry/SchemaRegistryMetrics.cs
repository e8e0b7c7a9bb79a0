using System.Diagnostics.Metrics;

namespace HpcAspire.SchemaRegistry;

/// <summary>Counts what clients ask of the registry, so the dashboard shows serializers at work.</summary>
internal sealed class SchemaRegistryMetrics
{
    public const string MeterName = "HpcAspire.SchemaRegistry";

    private readonly Counter<long> _registrations;
    private readonly Counter<long> _lookups;

    public SchemaRegistryMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _registrations = meter.CreateCounter<long>(
            "hpcaspire.schema_registry.registrations", "{registration}",
            "Schema registrations, by outcome: new, existing or incompatible.");
        _lookups = meter.CreateCounter<long>(
            "hpcaspire.schema_registry.lookups", "{lookup}",
            "Schema lookups by id, by subject version or by schema text, by whether they were found.");
    }

    public void Registration(string outcome) =>
        _registrations.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Lookup(string kind, bool found) =>
        _lookups.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("found", found));
}

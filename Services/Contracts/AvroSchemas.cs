using System.Collections.Concurrent;
using Avro;

namespace HpcAspire.Contracts;

/// <summary>The .avsc files are the source of truth: records load their schema from them, embedded at build.</summary>
public static class AvroSchemas
{
    private static readonly ConcurrentDictionary<string, Schema> Cache = new();

    public static Schema Load(string name) => Cache.GetOrAdd(name, static name =>
    {
        using var stream = typeof(AvroSchemas).Assembly.GetManifestResourceStream($"HpcAspire.Contracts.Schemas.{name}.avsc")
            ?? throw new InvalidOperationException($"No embedded schema {name}.avsc in {typeof(AvroSchemas).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return Schema.Parse(reader.ReadToEnd());
    });

    /// <summary>The schema text of a contract, as published to the registry.</summary>
    public static string Text(string name) => Load(name).ToString();
}

namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>
/// The Schema Registry subjects (<c>&lt;name&gt;-value</c>, the topic-name strategy) of the RabbitMQ application's
/// bodies: the Kafka topics' names, so both applications register the same schemas under the same ids.
/// </summary>
public static class AvroSubjects
{
    public const string NodeReadings = "node-readings";

    /// <summary>Batches of readings, an Avro array of <c>NodeReading</c> (the RabbitMQ application's own subject).</summary>
    public const string NodeReadingBatches = "node-reading-batches";
    public const string JobEvents = "job-events";
    public const string EnrichedReadings = "enriched-readings";

    /// <summary>Batches of enriched readings, an Avro array of <c>EnrichedReading</c>.</summary>
    public const string EnrichedReadingBatches = "enriched-reading-batches";
    public const string JobEnergyParts = "job-energy-parts";
    public const string JobEnergy = "job-energy";
}

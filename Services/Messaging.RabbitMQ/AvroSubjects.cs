namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>
/// The Schema Registry subjects (<c>&lt;name&gt;-value</c>, the topic-name strategy) of the RabbitMQ application's
/// bodies: the Kafka topics' names, so both applications register the same schemas under the same ids.
/// </summary>
public static class AvroSubjects
{
    public const string NodeReadings = "node-readings";
    public const string JobEvents = "job-events";
    public const string EnrichedReadings = "enriched-readings";
    public const string JobEnergyParts = "job-energy-parts";
    public const string JobEnergy = "job-energy";
}

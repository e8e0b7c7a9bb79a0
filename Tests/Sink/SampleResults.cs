using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using HpcAspire.Contracts;

namespace HpcAspire.Tests.Sink;

/// <summary>Valid results as the processor would emit them, and their Confluent-framed Avro bytes.</summary>
internal static class SampleResults
{
    public static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static EnrichedReading Reading(string nodeId, int second, double power = 350.5) => new()
    {
        Reading = new NodeReading
        {
            NodeId = nodeId, Timestamp = Start.AddSeconds(second), PowerWatts = power,
            CpuTemperatureCelsius = 55.25, GpuTemperatureCelsius = 61, CpuUtilization = 0.75, GpuUtilization = 0.5,
        },
        JobId = second % 3 == 0 ? null : $"job-{second % 7}",
        User = "alice, \"the admin\"", // a comma and quotes: the row must be quoted per RFC 4180
        Account = "physics",
        Statistics = new RollingStatistics { SampleCount = 10, MeanPowerWatts = 340, StdDevPowerWatts = 5, MaxPowerWatts = 360, MeanCpuTemperatureCelsius = 54, MaxCpuTemperatureCelsius = 58, MeanGpuTemperatureCelsius = 60 },
        Anomalies = second % 11 == 0 ? [AnomalyKind.PowerSpike, AnomalyKind.CpuOverheating] : [],
    };

    public static JobEnergy Energy(int job) => new()
    {
        JobId = $"job-{job:D5}", User = "bob", Account = "chemistry", FinalState = JobState.Completed,
        StartTime = Start.AddMinutes(job), EndTime = Start.AddMinutes(job + 30), NodeCount = 4, ReadingCount = 7200,
        EnergyKilowattHours = 12.5 + job, MeanJobPowerWatts = 3600, PeakJobPowerWatts = 4800, MeanNodePowerWatts = 900, PeakNodePowerWatts = 1400,
    };

    public static byte[] Serialize<T>(ISchemaRegistryClient registry, string topic, T value) =>
        new AvroSerializer<T>(registry).SerializeAsync(value, new SerializationContext(MessageComponentType.Value, topic)).GetAwaiter().GetResult();
}

using Avro;
using Avro.Specific;

namespace HpcAspire.Contracts;

/// <summary>What the processor flags in a reading; the Avro enum symbols are these names.</summary>
public enum AnomalyKind
{
    CpuOverheating,
    GpuOverheating,
    PowerSpike,
}

/// <summary>A node's statistics over its last readings.</summary>
public sealed class RollingStatistics : ISpecificRecord
{
#pragma warning disable IDE1006 // _SCHEMA is the name avrogen gives the schema field of Avro specific records
    public static readonly Schema _SCHEMA = ((RecordSchema)EnrichedReading._SCHEMA)["statistics"].Schema;
#pragma warning restore IDE1006

    public int SampleCount { get; set; }
    public double MeanPowerWatts { get; set; }
    public double StdDevPowerWatts { get; set; }
    public double MaxPowerWatts { get; set; }
    public double MeanCpuTemperatureCelsius { get; set; }
    public double MaxCpuTemperatureCelsius { get; set; }
    public double MeanGpuTemperatureCelsius { get; set; }

    public Schema Schema => _SCHEMA;

    public object Get(int fieldPos) => fieldPos switch
    {
        0 => (object)SampleCount, // (object): arms of mixed numeric types would give the switch a numeric type
        1 => MeanPowerWatts,
        2 => StdDevPowerWatts,
        3 => MaxPowerWatts,
        4 => MeanCpuTemperatureCelsius,
        5 => MaxCpuTemperatureCelsius,
        6 => MeanGpuTemperatureCelsius,
        _ => throw new AvroRuntimeException($"Bad index {fieldPos} in RollingStatistics.Get()"),
    };

    public void Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: SampleCount = (int)fieldValue; break;
            case 1: MeanPowerWatts = (double)fieldValue; break;
            case 2: StdDevPowerWatts = (double)fieldValue; break;
            case 3: MaxPowerWatts = (double)fieldValue; break;
            case 4: MeanCpuTemperatureCelsius = (double)fieldValue; break;
            case 5: MaxCpuTemperatureCelsius = (double)fieldValue; break;
            case 6: MeanGpuTemperatureCelsius = (double)fieldValue; break;
            default: throw new AvroRuntimeException($"Bad index {fieldPos} in RollingStatistics.Put()");
        }
    }
}

/// <summary>A reading joined to its node's job, with rolling statistics and anomaly flags (EnrichedReading.avsc).</summary>
public sealed class EnrichedReading : ISpecificRecord
{
#pragma warning disable IDE1006 // _SCHEMA is the name avrogen gives the schema field of Avro specific records
    public static readonly Schema _SCHEMA = AvroSchemas.Load(nameof(EnrichedReading));
#pragma warning restore IDE1006

    /// <summary>An empty record, its parts empty too, as Avro's readers make it before they fill it in.</summary>
    public EnrichedReading()
        : this(new NodeReading(), new RollingStatistics(), [])
    {
    }

    /// <summary>A record of these parts, without the empty ones the parameterless constructor makes and drops (the processor makes one per reading).</summary>
    public EnrichedReading(NodeReading reading, RollingStatistics statistics, IList<AnomalyKind> anomalies)
    {
        Reading = reading;
        Statistics = statistics;
        Anomalies = anomalies;
    }

    public NodeReading Reading { get; set; }
    public string? JobId { get; set; }
    public string? User { get; set; }
    public string? Account { get; set; }
    public RollingStatistics Statistics { get; set; }
    public IList<AnomalyKind> Anomalies { get; set; }

    public Schema Schema => _SCHEMA;

    public object Get(int fieldPos) => fieldPos switch
    {
        0 => (object)Reading, // (object): arms of mixed numeric types would give the switch a numeric type
        1 => JobId!,
        2 => User!,
        3 => Account!,
        4 => Statistics,
        5 => Anomalies,
        _ => throw new AvroRuntimeException($"Bad index {fieldPos} in EnrichedReading.Get()"),
    };

    public void Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: Reading = (NodeReading)fieldValue; break;
            case 1: JobId = (string?)fieldValue; break;
            case 2: User = (string?)fieldValue; break;
            case 3: Account = (string?)fieldValue; break;
            case 4: Statistics = (RollingStatistics)fieldValue; break;
            case 5: Anomalies = (IList<AnomalyKind>)fieldValue; break;
            default: throw new AvroRuntimeException($"Bad index {fieldPos} in EnrichedReading.Put()");
        }
    }
}

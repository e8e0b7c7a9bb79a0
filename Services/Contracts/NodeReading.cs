using Avro;
using Avro.Specific;

namespace HpcAspire.Contracts;

/// <summary>One sensor sample of one compute node (NodeReading.avsc).</summary>
public sealed class NodeReading : ISpecificRecord
{
    // Confluent's Avro serdes look a specific record's schema up in this exact static field.
#pragma warning disable IDE1006 // _SCHEMA is the name avrogen gives the schema field of Avro specific records
    public static readonly Schema _SCHEMA = AvroSchemas.Load(nameof(NodeReading));
#pragma warning restore IDE1006

    public string NodeId { get; set; } = "";
    public DateTime Timestamp { get; set; }
    public double CpuTemperatureCelsius { get; set; }
    public double GpuTemperatureCelsius { get; set; }
    public double PowerWatts { get; set; }
    public double CpuUtilization { get; set; }
    public double GpuUtilization { get; set; }

    public Schema Schema => _SCHEMA;

    public object Get(int fieldPos) => fieldPos switch
    {
        0 => (object)NodeId, // (object): arms of mixed numeric types would give the switch a numeric type
        1 => Timestamp,
        2 => CpuTemperatureCelsius,
        3 => GpuTemperatureCelsius,
        4 => PowerWatts,
        5 => CpuUtilization,
        6 => GpuUtilization,
        _ => throw new AvroRuntimeException($"Bad index {fieldPos} in NodeReading.Get()"),
    };

    public void Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: NodeId = (string)fieldValue; break;
            case 1: Timestamp = (DateTime)fieldValue; break;
            case 2: CpuTemperatureCelsius = (double)fieldValue; break;
            case 3: GpuTemperatureCelsius = (double)fieldValue; break;
            case 4: PowerWatts = (double)fieldValue; break;
            case 5: CpuUtilization = (double)fieldValue; break;
            case 6: GpuUtilization = (double)fieldValue; break;
            default: throw new AvroRuntimeException($"Bad index {fieldPos} in NodeReading.Put()");
        }
    }
}

using Avro;
using Avro.Specific;

namespace HpcAspire.Contracts;

/// <summary>One node's share of a job's energy (JobEnergyPart.avsc).</summary>
public sealed class JobEnergyPart : ISpecificRecord
{
#pragma warning disable IDE1006 // _SCHEMA is the name avrogen gives the schema field of Avro specific records
    public static readonly Schema _SCHEMA = AvroSchemas.Load(nameof(JobEnergyPart));
#pragma warning restore IDE1006

    public string JobId { get; set; } = "";
    public string NodeId { get; set; } = "";
    public string User { get; set; } = "";
    public string Account { get; set; } = "";
    public JobState FinalState { get; set; }
    public DateTime StartTime { get; set; }
    public DateTime EndTime { get; set; }
    public int NodeCount { get; set; }
    public long ReadingCount { get; set; }
    public double Joules { get; set; }
    public double PeakPowerWatts { get; set; }
    public IList<PowerSample> Power { get; set; } = [];

    public Schema Schema => _SCHEMA;

    public object Get(int fieldPos) => fieldPos switch
    {
        0 => (object)JobId, // (object): arms of mixed numeric types would give the switch a numeric type
        1 => NodeId,
        2 => User,
        3 => Account,
        4 => FinalState,
        5 => StartTime,
        6 => EndTime,
        7 => NodeCount,
        8 => ReadingCount,
        9 => Joules,
        10 => PeakPowerWatts,
        11 => Power,
        _ => throw new AvroRuntimeException($"Bad index {fieldPos} in JobEnergyPart.Get()"),
    };

    public void Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: JobId = (string)fieldValue; break;
            case 1: NodeId = (string)fieldValue; break;
            case 2: User = (string)fieldValue; break;
            case 3: Account = (string)fieldValue; break;
            case 4: FinalState = (JobState)fieldValue; break;
            case 5: StartTime = (DateTime)fieldValue; break;
            case 6: EndTime = (DateTime)fieldValue; break;
            case 7: NodeCount = (int)fieldValue; break;
            case 8: ReadingCount = (long)fieldValue; break;
            case 9: Joules = (double)fieldValue; break;
            case 10: PeakPowerWatts = (double)fieldValue; break;
            case 11: Power = (IList<PowerSample>)fieldValue; break;
            default: throw new AvroRuntimeException($"Bad index {fieldPos} in JobEnergyPart.Put()");
        }
    }
}

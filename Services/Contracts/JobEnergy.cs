using Avro;
using Avro.Specific;

namespace HpcAspire.Contracts;

/// <summary>Energy a job used, emitted once when it has ended (JobEnergy.avsc): powers of the whole job and of one node, named so.</summary>
public sealed class JobEnergy : ISpecificRecord
{
#pragma warning disable IDE1006 // _SCHEMA is the name avrogen gives the schema field of Avro specific records
    public static readonly Schema _SCHEMA = AvroSchemas.Load(nameof(JobEnergy));
#pragma warning restore IDE1006

    public string JobId { get; set; } = "";
    public string User { get; set; } = "";
    public string Account { get; set; } = "";
    public JobState FinalState { get; set; }
    public DateTime StartTime { get; set; }
    public DateTime EndTime { get; set; }
    public int NodeCount { get; set; }
    public long ReadingCount { get; set; }
    public double EnergyKilowattHours { get; set; }
    public double MeanJobPowerWatts { get; set; }
    public double? PeakJobPowerWatts { get; set; }
    public double? MeanNodePowerWatts { get; set; }
    public double PeakNodePowerWatts { get; set; }

    public Schema Schema => _SCHEMA;

    public object Get(int fieldPos) => fieldPos switch
    {
        0 => (object)JobId, // (object): arms of mixed numeric types would give the switch a numeric type
        1 => User,
        2 => Account,
        3 => FinalState,
        4 => StartTime,
        5 => EndTime,
        6 => NodeCount,
        7 => ReadingCount,
        8 => EnergyKilowattHours,
        9 => MeanJobPowerWatts,
        10 => PeakJobPowerWatts!,
        11 => MeanNodePowerWatts!,
        12 => PeakNodePowerWatts,
        _ => throw new AvroRuntimeException($"Bad index {fieldPos} in JobEnergy.Get()"),
    };

    public void Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: JobId = (string)fieldValue; break;
            case 1: User = (string)fieldValue; break;
            case 2: Account = (string)fieldValue; break;
            case 3: FinalState = (JobState)fieldValue; break;
            case 4: StartTime = (DateTime)fieldValue; break;
            case 5: EndTime = (DateTime)fieldValue; break;
            case 6: NodeCount = (int)fieldValue; break;
            case 7: ReadingCount = (long)fieldValue; break;
            case 8: EnergyKilowattHours = (double)fieldValue; break;
            case 9: MeanJobPowerWatts = (double)fieldValue; break;
            case 10: PeakJobPowerWatts = (double?)fieldValue; break;
            case 11: MeanNodePowerWatts = (double?)fieldValue; break;
            case 12: PeakNodePowerWatts = (double)fieldValue; break;
            default: throw new AvroRuntimeException($"Bad index {fieldPos} in JobEnergy.Put()");
        }
    }
}

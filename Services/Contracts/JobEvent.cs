using Avro;
using Avro.Specific;

namespace HpcAspire.Contracts;

/// <summary>Where a batch job is in its life; the Avro enum symbols are these names.</summary>
public enum JobState
{
    Submitted,
    Started,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>What a job asked the scheduler for.</summary>
public sealed class ResourceRequest : ISpecificRecord
{
#pragma warning disable IDE1006 // _SCHEMA is the name avrogen gives the schema field of Avro specific records
    public static readonly Schema _SCHEMA = ((RecordSchema)JobEvent._SCHEMA)["requested"].Schema;
#pragma warning restore IDE1006

    public int Nodes { get; set; }
    public int CpusPerNode { get; set; }
    public int GpusPerNode { get; set; }
    public int MemoryGigabytesPerNode { get; set; }
    public int WallTimeSeconds { get; set; }

    public Schema Schema => _SCHEMA;

    public object Get(int fieldPos) => fieldPos switch
    {
        0 => (object)Nodes, // (object): arms of mixed numeric types would give the switch a numeric type
        1 => CpusPerNode,
        2 => GpusPerNode,
        3 => MemoryGigabytesPerNode,
        4 => WallTimeSeconds,
        _ => throw new AvroRuntimeException($"Bad index {fieldPos} in ResourceRequest.Get()"),
    };

    public void Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: Nodes = (int)fieldValue; break;
            case 1: CpusPerNode = (int)fieldValue; break;
            case 2: GpusPerNode = (int)fieldValue; break;
            case 3: MemoryGigabytesPerNode = (int)fieldValue; break;
            case 4: WallTimeSeconds = (int)fieldValue; break;
            default: throw new AvroRuntimeException($"Bad index {fieldPos} in ResourceRequest.Put()");
        }
    }
}

/// <summary>A batch scheduler's job lifecycle event (JobEvent.avsc).</summary>
public sealed class JobEvent : ISpecificRecord
{
#pragma warning disable IDE1006 // _SCHEMA is the name avrogen gives the schema field of Avro specific records
    public static readonly Schema _SCHEMA = AvroSchemas.Load(nameof(JobEvent));
#pragma warning restore IDE1006

    public string JobId { get; set; } = "";
    public DateTime Timestamp { get; set; }
    public JobState State { get; set; }
    public string User { get; set; } = "";
    public string Account { get; set; } = "";
    public ResourceRequest Requested { get; set; } = new();
    public IList<string> Nodes { get; set; } = [];
    public int? ExitCode { get; set; }
    public string? Reason { get; set; }
    public IDictionary<string, string> Tags { get; set; } = new Dictionary<string, string>();

    public Schema Schema => _SCHEMA;

    public object Get(int fieldPos) => fieldPos switch
    {
        0 => (object)JobId, // (object): arms of mixed numeric types would give the switch a numeric type
        1 => Timestamp,
        2 => State,
        3 => User,
        4 => Account,
        5 => Requested,
        6 => Nodes,
        7 => ExitCode!,
        8 => Reason!,
        9 => Tags,
        _ => throw new AvroRuntimeException($"Bad index {fieldPos} in JobEvent.Get()"),
    };

    public void Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: JobId = (string)fieldValue; break;
            case 1: Timestamp = (DateTime)fieldValue; break;
            case 2: State = (JobState)fieldValue; break;
            case 3: User = (string)fieldValue; break;
            case 4: Account = (string)fieldValue; break;
            case 5: Requested = (ResourceRequest)fieldValue; break;
            case 6: Nodes = (IList<string>)fieldValue; break;
            case 7: ExitCode = (int?)fieldValue; break;
            case 8: Reason = (string?)fieldValue; break;
            case 9: Tags = (IDictionary<string, string>)fieldValue; break;
            default: throw new AvroRuntimeException($"Bad index {fieldPos} in JobEvent.Put()");
        }
    }
}

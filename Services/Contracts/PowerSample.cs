using Avro;
using Avro.Specific;

namespace HpcAspire.Contracts;

/// <summary>A node's power at one instant of a job's run (an item of JobEnergyPart.avsc's <c>power</c>).</summary>
public sealed class PowerSample : ISpecificRecord
{
#pragma warning disable IDE1006 // _SCHEMA is the name avrogen gives the schema field of Avro specific records
    public static readonly Schema _SCHEMA = ((ArraySchema)((RecordSchema)JobEnergyPart._SCHEMA)["power"].Schema).ItemSchema;
#pragma warning restore IDE1006

    public DateTime Time { get; set; }
    public double Watts { get; set; }

    public Schema Schema => _SCHEMA;

    public object Get(int fieldPos) => fieldPos switch
    {
        0 => (object)Time, // (object): arms of mixed types would give the switch one type
        1 => Watts,
        _ => throw new AvroRuntimeException($"Bad index {fieldPos} in PowerSample.Get()"),
    };

    public void Put(int fieldPos, object fieldValue)
    {
        switch (fieldPos)
        {
            case 0: Time = (DateTime)fieldValue; break;
            case 1: Watts = (double)fieldValue; break;
            default: throw new AvroRuntimeException($"Bad index {fieldPos} in PowerSample.Put()");
        }
    }
}

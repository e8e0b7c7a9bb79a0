using Avro;
using Avro.Generic;
using Avro.IO;
using Avro.Specific;
using HpcAspire.Contracts;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Contracts;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public class AvroContractTests
{
    private static readonly DateTime Noon = new(2026, 11, 25, 12, 0, 0, 123, DateTimeKind.Utc);

    public static TheoryData<string, ISpecificRecord> Contracts => new()
    {
        { "NodeReading", SampleReading() },
        { "JobEvent", SampleJobEvent() },
        { "EnrichedReading", SampleEnrichedReading() },
        { "JobEnergy", SampleJobEnergy() },
        { "JobEnergyPart", SampleJobEnergyPart() },
    };

    [Theory]
    [MemberData(nameof(Contracts))]
    public void Each_record_class_carries_the_schema_of_its_avsc_file(string name, ISpecificRecord record)
    {
        var file = Path.Combine(Path.GetDirectoryName(Projects.HpcAspire_AppHost.ProjectPath)!, "Services", "Contracts", "Schemas", $"{name}.avsc");
        var fromFile = Schema.Parse(File.ReadAllText(file));

        Assert.Equal(fromFile.ToString(), record.Schema.ToString());
        Assert.Equal($"HpcAspire.Contracts.{name}", record.Schema.Fullname);
        Assert.Equal(record.GetType().FullName, record.Schema.Fullname);
    }

    [Theory]
    [MemberData(nameof(Contracts))]
    public void Every_field_position_reads_and_writes_the_property_of_the_same_name(string name, ISpecificRecord record)
    {
        var fields = ((RecordSchema)record.Schema).Fields;
        var properties = record.GetType().GetProperties().Where(p => p.Name != nameof(ISpecificRecord.Schema)).ToList();
        Assert.Equal(fields.Count, properties.Count);

        foreach (var field in fields)
        {
            var property = properties.Single(p => string.Equals(p.Name, field.Name, StringComparison.OrdinalIgnoreCase));
            Assert.Equal(property.GetValue(record), record.Get(field.Pos));

            var copy = (ISpecificRecord)Activator.CreateInstance(record.GetType())!;
            copy.Put(field.Pos, record.Get(field.Pos));
            Assert.Equal(property.GetValue(record), property.GetValue(copy));
        }

        Assert.Throws<AvroRuntimeException>(() => record.Get(fields.Count));
        Assert.NotNull(name);
    }

    [Theory]
    [MemberData(nameof(Contracts))]
    public void A_record_survives_binary_round_trips_through_specific_and_generic_readers(string name, ISpecificRecord record)
    {
        var bytes = Serialize(record);

        var generic = new GenericDatumReader<GenericRecord>(record.Schema, record.Schema).Read(null!, new BinaryDecoder(new MemoryStream(bytes)));
        Assert.Equal(record.Schema.Fullname, generic.Schema.Fullname);

        var method = typeof(AvroContractTests).GetMethod(nameof(Deserialize), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(record.GetType());
        var back = (ISpecificRecord)method.Invoke(null, [bytes, record.Schema])!;
        Assert.Equal(bytes, Serialize(back));
        Assert.Equal(name, back.Schema.Name);
    }

    [Fact]
    public void Optional_job_event_fields_round_trip_both_empty_and_set()
    {
        var running = SampleJobEvent();
        running.ExitCode = null;
        running.Reason = null;
        var failed = SampleJobEvent();

        var runningBack = Deserialize<JobEvent>(Serialize(running), JobEvent._SCHEMA);
        var failedBack = Deserialize<JobEvent>(Serialize(failed), JobEvent._SCHEMA);

        Assert.Null(runningBack.ExitCode);
        Assert.Null(runningBack.Reason);
        Assert.Equal(137, failedBack.ExitCode);
        Assert.Equal("node-003 lost power", failedBack.Reason);
        Assert.Equal(["node-003", "node-004"], failedBack.Nodes);
        Assert.Equal("cfd", failedBack.Tags["workload"]);
        Assert.Equal(4, failedBack.Requested.GpusPerNode);
        Assert.Equal(Noon, failedBack.Timestamp);
        Assert.Equal(JobState.Failed, failedBack.State);
    }

    private static byte[] Serialize(ISpecificRecord record)
    {
        var stream = new MemoryStream();
        new SpecificDatumWriter<ISpecificRecord>(record.Schema).Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private static T Deserialize<T>(byte[] bytes, Schema schema) where T : ISpecificRecord =>
        new SpecificDatumReader<T>(schema, schema).Read(default!, new BinaryDecoder(new MemoryStream(bytes)));

    private static NodeReading SampleReading() => new()
    {
        NodeId = "node-003", Timestamp = Noon, CpuTemperatureCelsius = 71.5, GpuTemperatureCelsius = 64.25,
        PowerWatts = 812.5, CpuUtilization = 0.93, GpuUtilization = 0.5,
    };

    private static JobEvent SampleJobEvent() => new()
    {
        JobId = "job-000042", Timestamp = Noon, State = JobState.Failed, User = "ada", Account = "climate-lab",
        Requested = new ResourceRequest { Nodes = 2, CpusPerNode = 64, GpusPerNode = 4, MemoryGigabytesPerNode = 256, WallTimeSeconds = 3600 },
        Nodes = ["node-003", "node-004"], ExitCode = 137, Reason = "node-003 lost power",
        Tags = new Dictionary<string, string> { ["workload"] = "cfd", ["qos"] = "normal" },
    };

    private static EnrichedReading SampleEnrichedReading() => new()
    {
        Reading = SampleReading(), JobId = "job-000042", User = "ada", Account = "climate-lab",
        Statistics = new RollingStatistics
        {
            SampleCount = 30, MeanPowerWatts = 790, StdDevPowerWatts = 12.5, MaxPowerWatts = 812.5,
            MeanCpuTemperatureCelsius = 70, MaxCpuTemperatureCelsius = 71.5, MeanGpuTemperatureCelsius = 63,
        },
        Anomalies = [AnomalyKind.CpuOverheating, AnomalyKind.PowerSpike],
    };

    private static JobEnergyPart SampleJobEnergyPart() => new()
    {
        JobId = "job-000042", NodeId = "node-003", User = "ada", Account = "climate-lab", FinalState = JobState.Cancelled,
        StartTime = Noon, EndTime = Noon.AddMinutes(5), NodeCount = 2, ReadingCount = 300, Joules = 240_000.5, PeakPowerWatts = 905,
        Power = [new PowerSample { Time = Noon, Watts = 812.5 }, new PowerSample { Time = Noon.AddSeconds(1), Watts = 905 }],
    };

    private static JobEnergy SampleJobEnergy() => new()
    {
        JobId = "job-000042", User = "ada", Account = "climate-lab", FinalState = JobState.Completed,
        StartTime = Noon, EndTime = Noon.AddHours(1), NodeCount = 2, ReadingCount = 7200,
        EnergyKilowattHours = 1.625, MeanJobPowerWatts = 1_625, PeakJobPowerWatts = 1_790, MeanNodePowerWatts = 812.5, PeakNodePowerWatts = 905,
    };
}

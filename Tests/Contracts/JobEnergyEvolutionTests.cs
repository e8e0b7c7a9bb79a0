using Avro;
using Avro.Generic;
using Avro.IO;
using Avro.Specific;
using HpcAspire.Contracts;
using HpcAspire.SchemaRegistry.Compatibility;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Contracts;

/// <summary>
/// The job-energy records changed (powers on the job's and on one node's basis, a node's power samples): a registry
/// holding the first versions under BACKWARD, its default, takes the new ones, and records written before read as
/// what they were, under the new names.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class JobEnergyEvolutionTests
{
    // The schemas as first published, field for field (docs left out: they do not take part in resolution).
    internal const string FirstJobEnergy = """
        {"type":"record","name":"JobEnergy","namespace":"HpcAspire.Contracts","fields":[
          {"name":"jobId","type":"string"},{"name":"user","type":"string"},{"name":"account","type":"string"},
          {"name":"finalState","type":{"type":"enum","name":"JobState","symbols":["Submitted","Started","Completed","Failed","Cancelled"]}},
          {"name":"startTime","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"endTime","type":{"type":"long","logicalType":"timestamp-millis"}},
          {"name":"nodeCount","type":"int"},{"name":"readingCount","type":"long"},{"name":"energyKilowattHours","type":"double"},
          {"name":"peakPowerWatts","type":"double"},{"name":"meanPowerWatts","type":"double"}]}
        """;

    private const string FirstJobEnergyPart = """
        {"type":"record","name":"JobEnergyPart","namespace":"HpcAspire.Contracts","fields":[
          {"name":"jobId","type":"string"},{"name":"nodeId","type":"string"},{"name":"user","type":"string"},{"name":"account","type":"string"},
          {"name":"finalState","type":{"type":"enum","name":"JobState","symbols":["Submitted","Started","Completed","Failed","Cancelled"]}},
          {"name":"startTime","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"endTime","type":{"type":"long","logicalType":"timestamp-millis"}},
          {"name":"nodeCount","type":"int"},{"name":"readingCount","type":"long"},{"name":"joules","type":"double"},{"name":"peakPowerWatts","type":"double"}]}
        """;

    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(FirstJobEnergy, nameof(JobEnergy))]
    [InlineData(FirstJobEnergyPart, nameof(JobEnergyPart))]
    public void The_registry_takes_the_new_schema_after_the_first_under_backward_compatibility(string first, string name)
    {
        var problems = CompatibilityChecker.Check(CompatibilityLevel.Backward, AvroSchemas.Load(name), [(1, Schema.Parse(first))]);

        Assert.Empty(problems);
    }

    [Fact]
    public void A_job_energy_written_before_reads_its_powers_under_the_names_of_their_basis_and_the_new_ones_as_not_known()
    {
        var (old, record) = FirstJobEnergyRecord();

        var read = ReadAs<JobEnergy>(old, record);

        Assert.Equal(1389.8, read.MeanJobPowerWatts);
        Assert.Equal(584.6, read.PeakNodePowerWatts);
        Assert.Null(read.PeakJobPowerWatts);
        Assert.Null(read.MeanNodePowerWatts);
    }

    [Fact]
    public void A_share_written_before_reads_with_no_power_samples_so_its_jobs_total_peak_is_not_known()
    {
        var old = (RecordSchema)Schema.Parse(FirstJobEnergyPart);
        var record = Common(old);
        record.Add("nodeId", "node-001");
        record.Add("joules", 1_000.0);
        record.Add("peakPowerWatts", 400.0);

        var read = ReadAs<JobEnergyPart>(old, record);

        Assert.Empty(read.Power);
        Assert.Equal(400, read.PeakPowerWatts);
    }

    /// <summary>A 4-node job's energy as the first schema wrote it.</summary>
    internal static (RecordSchema Schema, GenericRecord Record) FirstJobEnergyRecord()
    {
        var old = (RecordSchema)Schema.Parse(FirstJobEnergy);
        var record = Common(old);
        record.Add("energyKilowattHours", 0.2316);
        record.Add("peakPowerWatts", 584.6); // one node's highest reading
        record.Add("meanPowerWatts", 1389.8); // the job's mean, all nodes together
        return (old, record);
    }

    private static GenericRecord Common(RecordSchema schema)
    {
        var record = new GenericRecord(schema);
        record.Add("jobId", "job-000001");
        record.Add("user", "ada");
        record.Add("account", "climate-lab");
        record.Add("finalState", new GenericEnum((EnumSchema)schema["finalState"].Schema, "Completed"));
        record.Add("startTime", Start);
        record.Add("endTime", Start.AddMinutes(10));
        record.Add("nodeCount", 4);
        record.Add("readingCount", 2_400L);
        return record;
    }

    private static T ReadAs<T>(RecordSchema writer, GenericRecord record) where T : ISpecificRecord, new()
    {
        var stream = new MemoryStream();
        new GenericDatumWriter<GenericRecord>(writer).Write(record, new BinaryEncoder(stream));
        var reader = new T().Schema;
        return new SpecificDatumReader<T>(AvroFieldAliases.ApplyTo(writer, reader), reader).Read(default!, new BinaryDecoder(new MemoryStream(stream.ToArray())));
    }
}

using System.Text.Json.Nodes;
using Avro;
using Avro.Specific;
using HpcAspire.Benchmarks;
using HpcAspire.Contracts;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Bonus1;

/// <summary>
/// The formats the <c>avro</c> benchmark times give the messages back as they were sent, and the JSON is the message the
/// Avro schema describes (its field names): otherwise the benchmark would time codecs that do not work, or JSON of
/// another shape.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class SerializationFormatTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    public static TheoryData<string> NodeReadingFormats => FormatNames<NodeReading>();

    public static TheoryData<string> JobEventFormats => FormatNames<JobEvent>();

    public static TheoryData<string> EnrichedReadingFormats => FormatNames<EnrichedReading>();

    [Theory]
    [MemberData(nameof(NodeReadingFormats))]
    public void A_node_reading_comes_back_field_for_field(string format)
    {
        var random = new Random(7);
        for (var i = 0; i < 50; i++)
        {
            var reading = RandomReading(random);

            var read = RoundTrip(format, reading);

            AssertSame(reading, read);
        }
    }

    [Theory]
    [MemberData(nameof(JobEventFormats))]
    public void A_job_event_comes_back_field_for_field_with_its_nodes_tags_and_optional_fields(string format)
    {
        var random = new Random(11);
        for (var i = 0; i < 50; i++)
        {
            var jobEvent = RandomJobEvent(random, ended: i % 2 == 0);

            var read = RoundTrip(format, jobEvent);

            Assert.Equal(jobEvent.JobId, read.JobId);
            Assert.Equal(jobEvent.Timestamp, read.Timestamp);
            Assert.Equal(jobEvent.State, read.State);
            Assert.Equal(jobEvent.User, read.User);
            Assert.Equal(jobEvent.Account, read.Account);
            Assert.Equal(jobEvent.Requested.Nodes, read.Requested.Nodes);
            Assert.Equal(jobEvent.Requested.CpusPerNode, read.Requested.CpusPerNode);
            Assert.Equal(jobEvent.Requested.GpusPerNode, read.Requested.GpusPerNode);
            Assert.Equal(jobEvent.Requested.MemoryGigabytesPerNode, read.Requested.MemoryGigabytesPerNode);
            Assert.Equal(jobEvent.Requested.WallTimeSeconds, read.Requested.WallTimeSeconds);
            Assert.Equal(jobEvent.Nodes, read.Nodes);
            Assert.Equal(jobEvent.ExitCode, read.ExitCode);
            Assert.Equal(jobEvent.Reason, read.Reason);
            Assert.Equal(jobEvent.Tags.OrderBy(t => t.Key), read.Tags.OrderBy(t => t.Key));
        }
    }

    [Theory]
    [MemberData(nameof(EnrichedReadingFormats))]
    public void An_enriched_reading_comes_back_with_its_reading_job_statistics_and_anomalies(string format)
    {
        var random = new Random(13);
        for (var i = 0; i < 50; i++)
        {
            var enriched = new EnrichedReading(RandomReading(random),
                new RollingStatistics { SampleCount = random.Next(1, 60), MeanPowerWatts = 400 + random.NextDouble() * 500, MaxCpuTemperatureCelsius = 80 * random.NextDouble() },
                i % 3 == 0 ? [] : [AnomalyKind.CpuOverheating, AnomalyKind.PowerSpike])
            {
                JobId = i % 4 == 0 ? null : $"job-{i:D6}", User = i % 4 == 0 ? null : "ana", Account = i % 4 == 0 ? null : "climate-lab",
            };

            var read = RoundTrip(format, enriched);

            AssertSame(enriched.Reading, read.Reading);
            Assert.Equal(enriched.JobId, read.JobId);
            Assert.Equal(enriched.User, read.User);
            Assert.Equal(enriched.Account, read.Account);
            Assert.Equal(enriched.Statistics.SampleCount, read.Statistics.SampleCount);
            Assert.Equal(enriched.Statistics.MeanPowerWatts, read.Statistics.MeanPowerWatts);
            Assert.Equal(enriched.Statistics.MaxCpuTemperatureCelsius, read.Statistics.MaxCpuTemperatureCelsius);
            Assert.Equal(enriched.Anomalies, read.Anomalies);
        }
    }

    [Fact]
    public void Every_message_kind_is_measured_as_json_and_as_apache_avro()
    {
        foreach (var names in new[]
                 {
                     AvroCodecBenchmark.FormatsFor<NodeReading>().Select(f => f.Name), AvroCodecBenchmark.FormatsFor<JobEvent>().Select(f => f.Name),
                     AvroCodecBenchmark.FormatsFor<EnrichedReading>().Select(f => f.Name),
                 })
        {
            Assert.Contains(AvroCodecBenchmark.Json, names);
            Assert.Contains(AvroCodecBenchmark.ApacheAvro, names);
        }

        // The contracts' codec only where the contracts have one (the high-rate records).
        Assert.Contains(AvroCodecBenchmark.ContractsCodec, AvroCodecBenchmark.FormatsFor<NodeReading>().Select(f => f.Name));
        Assert.Equal(AvroBinaryCodecs.For<JobEvent>() is not null, AvroCodecBenchmark.FormatsFor<JobEvent>().Any(f => f.Name == AvroCodecBenchmark.ContractsCodec));
    }

    [Fact]
    public void The_json_names_its_fields_as_the_avro_schemas_do_and_carries_nothing_else()
    {
        AssertFieldsOf(Json(RandomReading(new Random(1))), (RecordSchema)NodeReading._SCHEMA);
        AssertFieldsOf(Json(RandomJobEvent(new Random(2), ended: true)), (RecordSchema)JobEvent._SCHEMA);
        var enriched = new EnrichedReading(RandomReading(new Random(3)), new RollingStatistics(), [AnomalyKind.GpuOverheating]) { JobId = "job-000001" };
        AssertFieldsOf(Json(enriched), (RecordSchema)EnrichedReading._SCHEMA);
    }

    [Fact]
    public void The_json_writes_enums_as_their_avro_symbols_and_the_timestamp_as_utc_text()
    {
        var json = Json(RandomJobEvent(new Random(4), ended: true));

        Assert.Equal("Completed", json["state"]!.GetValue<string>());
        Assert.EndsWith("Z", json["timestamp"]!.GetValue<string>());
    }

    private static TheoryData<string> FormatNames<T>()
        where T : ISpecificRecord, new()
    {
        var names = new TheoryData<string>();
        foreach (var format in AvroCodecBenchmark.FormatsFor<T>())
        {
            names.Add(format.Name);
        }

        return names;
    }

    private static T RoundTrip<T>(string format, T message)
        where T : ISpecificRecord, new()
    {
        var codec = AvroCodecBenchmark.FormatsFor<T>().Single(f => f.Name == format);
        return codec.Deserialize(codec.Serialize(message));
    }

    private static JsonObject Json<T>(T message)
        where T : ISpecificRecord, new() =>
        JsonNode.Parse(AvroCodecBenchmark.FormatsFor<T>().Single(f => f.Name == AvroCodecBenchmark.Json).Serialize(message))!.AsObject();

    private static void AssertFieldsOf(JsonObject json, RecordSchema schema)
    {
        Assert.Equal(schema.Fields.Select(f => f.Name).Order(), json.Select(p => p.Key).Order());
        foreach (var field in schema.Fields)
        {
            if (field.Schema is RecordSchema nested)
            {
                AssertFieldsOf(json[field.Name]!.AsObject(), nested);
            }
        }
    }

    private static void AssertSame(NodeReading expected, NodeReading actual)
    {
        Assert.Equal(expected.NodeId, actual.NodeId);
        Assert.Equal(expected.Timestamp, actual.Timestamp);
        Assert.Equal(expected.CpuTemperatureCelsius, actual.CpuTemperatureCelsius);
        Assert.Equal(expected.GpuTemperatureCelsius, actual.GpuTemperatureCelsius);
        Assert.Equal(expected.PowerWatts, actual.PowerWatts);
        Assert.Equal(expected.CpuUtilization, actual.CpuUtilization);
        Assert.Equal(expected.GpuUtilization, actual.GpuUtilization);
    }

    // Timestamps to the millisecond: Avro's timestamp-millis keeps no more.
    private static NodeReading RandomReading(Random random) => new()
    {
        NodeId = $"node-{random.Next(1000):D4}",
        Timestamp = T0.AddMilliseconds(random.Next(100_000_000)),
        CpuTemperatureCelsius = 30 + 60 * random.NextDouble(),
        GpuTemperatureCelsius = 30 + 60 * random.NextDouble(),
        PowerWatts = 100 + 900 * random.NextDouble(),
        CpuUtilization = random.NextDouble(),
        GpuUtilization = random.NextDouble(),
    };

    private static JobEvent RandomJobEvent(Random random, bool ended)
    {
        var nodes = Enumerable.Range(random.Next(100), random.Next(1, 6)).Select(n => $"node-{n:D4}").ToArray();
        return new JobEvent
        {
            JobId = $"job-{random.Next(1_000_000):D6}",
            Timestamp = T0.AddMilliseconds(random.Next(100_000_000)),
            State = ended ? JobState.Completed : JobState.Started,
            User = "ana",
            Account = "climate-lab",
            Requested = new ResourceRequest
            {
                Nodes = nodes.Length, CpusPerNode = 64, GpusPerNode = random.Next(5), MemoryGigabytesPerNode = 256, WallTimeSeconds = random.Next(60, 86_400),
            },
            Nodes = nodes,
            ExitCode = ended ? random.Next(2) : null,
            Reason = ended && random.Next(2) == 0 ? "exited with an error on node-0001" : null,
            Tags = new Dictionary<string, string> { ["workload"] = "cfd", ["partition"] = "gpu" },
        };
    }
}

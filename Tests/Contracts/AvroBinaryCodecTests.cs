using Avro.IO;
using Avro.Specific;
using HpcAspire.Contracts;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Contracts;

/// <summary>The contracts' own codecs against Apache.Avro, the reference: the same bytes written, the same records read.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class AvroBinaryCodecTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_reading_is_written_as_the_bytes_Avro_writes_and_read_back_as_Avro_reads_it(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 200; i++)
        {
            var reading = RandomReading(random);

            var bytes = Encode(AvroBinaryCodecs.For<NodeReading>()!, reading);

            Assert.Equal(AvroBytes(reading), bytes);
            Assert.Equal(AvroBytes(AvroRead<NodeReading>(bytes)), AvroBytes(Decode(AvroBinaryCodecs.For<NodeReading>()!, bytes)));
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void An_enriched_reading_is_written_as_the_bytes_Avro_writes_and_read_back_as_Avro_reads_it(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 200; i++)
        {
            var enriched = RandomEnriched(random);

            var bytes = Encode(AvroBinaryCodecs.For<EnrichedReading>()!, enriched);

            Assert.Equal(AvroBytes(enriched), bytes);
            var read = Decode(AvroBinaryCodecs.For<EnrichedReading>()!, bytes);
            Assert.Equal(AvroBytes(AvroRead<EnrichedReading>(bytes)), AvroBytes(read));
            Assert.Equal(enriched.JobId, read.JobId);
            Assert.Equal(enriched.Anomalies, read.Anomalies);
            Assert.Equal(DateTimeKind.Utc, read.Reading.Timestamp.Kind);
        }
    }

    [Fact]
    public void Only_the_high_rate_records_have_a_codec()
    {
        Assert.NotNull(AvroBinaryCodecs.For<NodeReading>());
        Assert.NotNull(AvroBinaryCodecs.For<EnrichedReading>());
        Assert.Null(AvroBinaryCodecs.For<JobEvent>());
        Assert.Null(AvroBinaryCodecs.For<JobEnergy>());
    }

    [Fact]
    public void Every_cut_off_body_is_refused_as_the_end_of_the_body()
    {
        var bytes = Encode(AvroBinaryCodecs.For<EnrichedReading>()!, WithAnomaly(RandomEnriched(new Random(9))));

        for (var length = 0; length < bytes.Length; length++)
        {
            var cut = bytes[..length];
            var error = Assert.ThrowsAny<Exception>(() => Decode(AvroBinaryCodecs.For<EnrichedReading>()!, cut));
            Assert.IsType<EndOfStreamException>(error);
        }
    }

    [Fact]
    public void A_union_branch_or_enum_symbol_out_of_range_is_refused_as_invalid_data()
    {
        var enriched = WithAnomaly(RandomEnriched(new Random(4)));
        enriched.JobId = null;
        var bytes = Encode(AvroBinaryCodecs.For<EnrichedReading>()!, enriched);
        var union = Encode(AvroBinaryCodecs.For<NodeReading>()!, enriched.Reading).Length; // the job id's branch follows the reading

        var badBranch = bytes.ToArray();
        badBranch[union] = 4; // zig-zag 2: a third branch of ["null", "string"]
        var badSymbol = bytes.ToArray();
        badSymbol[^2] = 6; // zig-zag 3: a fourth AnomalyKind

        Assert.Contains("Union branch 2", Assert.Throws<InvalidDataException>(() => Decode(AvroBinaryCodecs.For<EnrichedReading>()!, badBranch)).Message);
        Assert.Contains("Enum index 3", Assert.Throws<InvalidDataException>(() => Decode(AvroBinaryCodecs.For<EnrichedReading>()!, badSymbol)).Message);
    }

    [Fact]
    public void An_array_block_with_a_negative_count_and_its_size_is_read_as_Avro_allows()
    {
        var enriched = RandomEnriched(new Random(5));
        enriched.Anomalies = [];
        var bytes = Encode(AvroBinaryCodecs.For<EnrichedReading>()!, enriched);

        // The final 0 (no anomalies) becomes one block of -2 items, 2 bytes long: GpuOverheating, PowerSpike.
        byte[] withBlock = [.. bytes[..^1], 3, 4, 2, 4, 0];

        Assert.Equal([AnomalyKind.GpuOverheating, AnomalyKind.PowerSpike], Decode(AvroBinaryCodecs.For<EnrichedReading>()!, withBlock).Anomalies);
    }

    private static NodeReading RandomReading(Random random) => new()
    {
        NodeId = random.Next(5) switch { 0 => "", 1 => "nœud-ü-" + random.Next(), _ => $"node-{random.Next(10_000):D4}" },
        // Whole milliseconds, ticks within one, before the epoch, and a local time.
        Timestamp = random.Next(4) switch
        {
            0 => T0.AddMilliseconds(random.Next(1_000_000)),
            1 => T0.AddTicks(random.NextInt64(TimeSpan.TicksPerDay)),
            2 => DateTime.UnixEpoch.AddTicks(-random.NextInt64(TimeSpan.TicksPerDay * 365)),
            _ => new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Local).AddTicks(random.NextInt64(TimeSpan.TicksPerHour)),
        },
        CpuTemperatureCelsius = random.Next(6) switch { 0 => double.NaN, 1 => double.NegativeInfinity, 2 => -0.0, _ => random.NextDouble() * 100 },
        GpuTemperatureCelsius = random.NextDouble() * 100,
        PowerWatts = random.Next(3) == 0 ? double.MaxValue : random.NextDouble() * 1_000,
        CpuUtilization = random.NextDouble(),
        GpuUtilization = random.NextDouble(),
    };

    private static EnrichedReading RandomEnriched(Random random) => new()
    {
        Reading = RandomReading(random),
        JobId = random.Next(3) == 0 ? null : $"job-{random.Next(1_000_000):D6}",
        User = random.Next(3) == 0 ? null : "ana",
        Account = random.Next(3) == 0 ? null : new string('x', random.Next(200)),
        Statistics = new RollingStatistics
        {
            SampleCount = random.Next(3) == 0 ? int.MaxValue : random.Next(-5, 31),
            MeanPowerWatts = random.NextDouble() * 1_000, StdDevPowerWatts = random.NextDouble() * 50, MaxPowerWatts = random.NextDouble() * 1_000,
            MeanCpuTemperatureCelsius = random.NextDouble() * 90, MaxCpuTemperatureCelsius = random.NextDouble() * 99, MeanGpuTemperatureCelsius = random.NextDouble() * 90,
        },
        Anomalies = [.. Enumerable.Range(0, random.Next(4)).Select(_ => (AnomalyKind)random.Next(3))],
    };

    private static EnrichedReading WithAnomaly(EnrichedReading enriched)
    {
        enriched.Anomalies = [AnomalyKind.PowerSpike];
        return enriched;
    }

    private static byte[] Encode<T>(IAvroBinaryCodec<T> codec, T record)
    {
        var writer = new AvroBinaryWriter(capacity: 4); // grows as it goes
        codec.Write(record, writer);
        return writer.ToArray();
    }

    private static T Decode<T>(IAvroBinaryCodec<T> codec, byte[] bytes)
    {
        var reader = new AvroBinaryReader(bytes);
        return codec.Read(ref reader);
    }

    private static byte[] AvroBytes<T>(T record)
        where T : ISpecificRecord
    {
        using var stream = new MemoryStream();
        new SpecificDatumWriter<T>(record.Schema).Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private static T AvroRead<T>(byte[] bytes)
        where T : ISpecificRecord, new()
    {
        var schema = new T().Schema;
        return new SpecificDatumReader<T>(schema, schema).Read(default!, new BinaryDecoder(new MemoryStream(bytes)));
    }
}

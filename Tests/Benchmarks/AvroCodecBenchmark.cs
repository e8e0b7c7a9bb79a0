using System.Diagnostics;
using Avro.IO;
using Avro.Specific;
using HpcAspire.Contracts;

namespace HpcAspire.Benchmarks;

/// <summary>
/// Writing and reading the two high-rate records with Apache.Avro's specific writer and reader (what
/// every message cost before) and with the contracts' own codecs, in one process, one thread: time
/// and bytes allocated per record. The Confluent frame and the Kafka client are not part of it.
/// </summary>
internal static class AvroCodecBenchmark
{
    public static int Run(int records)
    {
        var reading = new NodeReading
        {
            NodeId = "node-0042", Timestamp = new DateTime(2026, 3, 1, 8, 0, 0, 125, DateTimeKind.Utc),
            CpuTemperatureCelsius = 71.234567, GpuTemperatureCelsius = 65.98765, PowerWatts = 812.3456789, CpuUtilization = 0.8123, GpuUtilization = 0.5678,
        };
        var enriched = new EnrichedReading
        {
            Reading = reading, JobId = "job-000123", User = "ana", Account = "climate-lab",
            Statistics = new RollingStatistics
            {
                SampleCount = 30, MeanPowerWatts = 801.123456789, StdDevPowerWatts = 12.3456789, MaxPowerWatts = 830.5,
                MeanCpuTemperatureCelsius = 70.1234567, MaxCpuTemperatureCelsius = 72.5, MeanGpuTemperatureCelsius = 64.9876543,
            },
            Anomalies = [AnomalyKind.PowerSpike],
        };

        Console.WriteLine($"avro: {records:N0} records each, one thread; the same bytes either way (checked)");
        Console.WriteLine("| record | operation | Apache.Avro | own codec | speed-up |");
        Console.WriteLine("|---|---|---|---|---|");
        Compare(reading, records);
        Compare(enriched, records);
        return 0;
    }

    private static void Compare<T>(T record, int records)
        where T : ISpecificRecord, new()
    {
        var codec = AvroBinaryCodecs.For<T>()!;
        var writer = new SpecificDatumWriter<T>(record.Schema);
        var reader = new SpecificDatumReader<T>(record.Schema, record.Schema);
        var buffer = new AvroBinaryWriter();

        byte[] AvroWrite()
        {
            using var stream = new MemoryStream(128);
            writer.Write(record, new BinaryEncoder(stream));
            return stream.ToArray();
        }

        byte[] CodecWrite()
        {
            buffer.Clear();
            codec.Write(record, buffer);
            return buffer.ToArray();
        }

        var bytes = AvroWrite();
        if (!bytes.AsSpan().SequenceEqual(CodecWrite()))
        {
            throw new InvalidOperationException($"The {typeof(T).Name} codec does not write Apache.Avro's bytes.");
        }

        var avroWrite = Measure(records, () => AvroWrite());
        var codecWrite = Measure(records, () => CodecWrite());
        var avroRead = Measure(records, () => reader.Read(default!, new BinaryDecoder(new MemoryStream(bytes))));
        var codecRead = Measure(records, () =>
        {
            var body = new AvroBinaryReader(bytes);
            return codec.Read(ref body);
        });
        Console.WriteLine($"| {typeof(T).Name} | write | {avroWrite} | {codecWrite} | {avroWrite.Nanoseconds / codecWrite.Nanoseconds:F1}× |");
        Console.WriteLine($"| {typeof(T).Name} | read | {avroRead} | {codecRead} | {avroRead.Nanoseconds / codecRead.Nanoseconds:F1}× |");
    }

    private static Cost Measure<TResult>(int records, Func<TResult> operation)
    {
        for (var i = 0; i < records / 10; i++)
        {
            operation(); // warm-up: tiered compilation reaches its final code
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < records; i++)
        {
            operation();
        }

        return new Cost(clock.Elapsed.TotalNanoseconds / records, (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)records);
    }

    private readonly record struct Cost(double Nanoseconds, double Bytes)
    {
        public override string ToString() => $"{Nanoseconds:N0} ns, {Bytes:N0} B";
    }
}

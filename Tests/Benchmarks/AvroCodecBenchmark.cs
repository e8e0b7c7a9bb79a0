using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Avro.IO;
using Avro.Specific;
using HpcAspire.Benchmarks.ClusterExperiments;
using HpcAspire.Contracts;

namespace HpcAspire.Benchmarks;

/// <summary>
/// The <c>avro</c> verb (Bonus 1): the messages as System.Text.Json, as Apache.Avro's specific writer and reader
/// write and read them (what the services use for a record without a codec of its own), and as the contracts' own
/// codecs, in one process, one thread, one run: bytes per message (the body, and with the 5-byte Confluent frame a
/// registry-framed Avro value carries) and the thread's CPU time per message to serialize and to deserialize. Every
/// format is measured once per repeat, the repeats one after another, after a warm-up round that is not kept; the
/// medians go to <see cref="DefaultResults"/>. The Kafka client and the registry are not part of it.
/// </summary>
internal static class AvroCodecBenchmark
{
    public const string DefaultResults = "docs/results/bonus1/serialization.csv";
    public const string Usage = "avro [messages per repeat] [--repeats n] [--quick] [--out file.csv]";

    /// <summary>The bytes Confluent's wire format puts before an Avro body: magic byte 0 and the schema id.</summary>
    public const int ConfluentFrameBytes = 5;

    public const string Json = "system-text-json";
    public const string ApacheAvro = "apache-avro";
    public const string ContractsCodec = "contracts-codec";

    public static int Run(IReadOnlyList<string> args)
    {
        var quick = args.Contains("--quick");
        var messages = args.Count > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var count) ? count : quick ? 2_000 : 500_000;
        var repeats = Option(args, "--repeats") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : quick ? 3 : 7;
        var output = Option(args, "--out") ?? DefaultResults;
        if (messages < 1 || repeats < 1)
        {
            Console.Error.WriteLine($"usage: {Usage}");
            return 2;
        }

        var cells = Cells(Samples.Reading, nameof(NodeReading))
            .Concat(Cells(Samples.JobEvent, nameof(JobEvent)))
            .Concat(Cells(Samples.Enriched, nameof(EnrichedReading)))
            .ToList();
        var load = LoadAverage();
        Console.WriteLine($"avro: {messages:N0} messages per repeat, {repeats} repeats after a warm-up round, one thread, {ThreadClock.Name} time; " +
                          $"JSON by System.Text.Json with reflection metadata");

        foreach (var cell in cells)
        {
            cell.Measure(messages); // warm-up: tiered compilation reaches its final code; not kept
        }

        var runs = cells.Select(_ => new List<Cost>()).ToList();
        for (var repeat = 0; repeat < repeats; repeat++)
        {
            // Every format once per repeat, back to back: a neighbour's load on the machine falls on all of them alike.
            for (var c = 0; c < cells.Count; c++)
            {
                runs[c].Add(cells[c].Measure(messages));
            }
        }

        var date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var commit = Commit();
        var rows = cells.Select((c, i) => Row(c, runs[i], messages, repeats, date, commit).Set("cores", Environment.ProcessorCount).Set("load_1m", load)).ToList();
        ResultsFile.Write(output, rows);
        PrintTable(rows);
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    /// <summary>The formats a record is measured in: JSON, Apache.Avro, and the contracts' codec when the record has one.</summary>
    public static IReadOnlyList<SerializationFormat<T>> FormatsFor<T>()
        where T : ISpecificRecord, new()
    {
        var schema = new T().Schema;
        var writer = new SpecificDatumWriter<T>(schema);
        var reader = new SpecificDatumReader<T>(schema, schema);
        var json = (JsonTypeInfo<T>)JsonMessages.Options.GetTypeInfo(typeof(T));
        var formats = new List<SerializationFormat<T>>
        {
            new(Json, Framed: false, message => JsonSerializer.SerializeToUtf8Bytes(message, json), bytes => JsonSerializer.Deserialize(bytes, json)!),
            new(ApacheAvro, Framed: true, message =>
            {
                using var stream = new MemoryStream(128);
                writer.Write(message, new BinaryEncoder(stream));
                return stream.ToArray();
            }, bytes => reader.Read(default!, new BinaryDecoder(new MemoryStream(bytes)))),
        };
        if (AvroBinaryCodecs.For<T>() is { } codec)
        {
            var buffer = new AvroBinaryWriter();
            formats.Add(new(ContractsCodec, Framed: true, message =>
            {
                buffer.Clear();
                codec.Write(message, buffer);
                return buffer.ToArray();
            }, bytes =>
            {
                var body = new AvroBinaryReader(bytes);
                return codec.Read(ref body);
            }));
        }

        return formats;
    }

    private static IEnumerable<Cell> Cells<T>(T sample, string message)
        where T : ISpecificRecord, new()
    {
        var formats = FormatsFor<T>();
        var avro = formats.Single(f => f.Name == ApacheAvro);
        var avroBytes = avro.Serialize(sample);
        foreach (var format in formats)
        {
            var bytes = format.Serialize(sample);
            // Only a format that gives the record back is worth timing: what it read must write Avro's bytes again.
            if (!avroBytes.AsSpan().SequenceEqual(avro.Serialize(format.Deserialize(bytes))))
            {
                throw new InvalidOperationException($"{format.Name} does not give back the {message} it wrote.");
            }

            if (format.Framed && !avroBytes.AsSpan().SequenceEqual(bytes))
            {
                throw new InvalidOperationException($"{format.Name} does not write Apache.Avro's bytes for {message}.");
            }

            yield return new Cell(format.Name, message, bytes.Length, format.Framed, () => format.Serialize(sample), () => format.Deserialize(bytes));
        }
    }

    private static ResultRow Row(Cell cell, List<Cost> runs, int messages, int repeats, string date, string commit) =>
        new ResultRow()
            .Set("format", cell.Format)
            .Set("message", cell.Message)
            .Set("bytes", cell.Bytes)
            .Set("framed_bytes", cell.Framed ? (cell.Bytes + ConfluentFrameBytes).ToString(CultureInfo.InvariantCulture) : "")
            .Set("serialize_ns", Statistics.Median(runs.Select(c => c.SerializeNs)))
            .Set("deserialize_ns", Statistics.Median(runs.Select(c => c.DeserializeNs)))
            .Set("serialize_wall_ns", Statistics.Median(runs.Select(c => c.SerializeWallNs)))
            .Set("deserialize_wall_ns", Statistics.Median(runs.Select(c => c.DeserializeWallNs)))
            .Set("serialize_alloc_b", Statistics.Median(runs.Select(c => c.SerializeAllocated)))
            .Set("deserialize_alloc_b", Statistics.Median(runs.Select(c => c.DeserializeAllocated)))
            .Set("serialize_ns_runs", string.Join(';', runs.Select(c => Number(c.SerializeNs))))
            .Set("deserialize_ns_runs", string.Join(';', runs.Select(c => Number(c.DeserializeNs))))
            .Set("messages", messages)
            .Set("repeats", repeats)
            .Set("clock", ThreadClock.Name)
            .Set("json_metadata", "reflection")
            .Set("date", date)
            .Set("commit", commit);

    private static void PrintTable(IReadOnlyList<ResultRow> rows)
    {
        Console.WriteLine("| message | format | bytes | with frame | serialize ns | deserialize ns | serialize B allocated | deserialize B allocated |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            Console.WriteLine($"| {row.Text("message")} | {row.Text("format")} | {row.Text("bytes")} | {(row.Text("framed_bytes") is { Length: > 0 } f ? f : "–")} | " +
                              $"{row.Number("serialize_ns"):N0} | {row.Number("deserialize_ns"):N0} | {row.Number("serialize_alloc_b"):N0} | {row.Number("deserialize_alloc_b"):N0} |");
        }
    }

    private static string Number(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>The machine's 1-minute load average when the run started (Linux), to tell a busy machine's run from a quiet one's.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "";

    private static string Commit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var hash = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && hash.Length > 0 ? hash : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    /// <summary>The value after <paramref name="name"/> in the verb's arguments, or null.</summary>
    public static string? Option(IReadOnlyList<string> args, string name)
    {
        var list = args.ToList();
        var i = list.IndexOf(name);
        return i >= 0 && i + 1 < list.Count ? list[i + 1] : null;
    }

    /// <summary>One message kind in one format: its body, and how to write and read it once.</summary>
    private sealed record Cell(string Format, string Message, int Bytes, bool Framed, Func<byte[]> Serialize, Func<object> Deserialize)
    {
        public Cost Measure(int messages)
        {
            var (serializeNs, serializeWallNs, serializeAllocated) = Time(messages, Serialize);
            var (deserializeNs, deserializeWallNs, deserializeAllocated) = Time(messages, Deserialize);
            return new Cost(serializeNs, deserializeNs, serializeWallNs, deserializeWallNs, serializeAllocated, deserializeAllocated);
        }

        private static (double CpuNs, double WallNs, double Allocated) Time<TResult>(int messages, Func<TResult> operation)
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var wall = Stopwatch.StartNew();
            var cpu = ThreadClock.Nanoseconds();
            for (var i = 0; i < messages; i++)
            {
                operation();
            }

            var cpuNs = ThreadClock.Nanoseconds() - cpu;
            var wallNs = wall.Elapsed.TotalNanoseconds;
            return (cpuNs / messages, wallNs / messages, (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)messages);
        }
    }

    /// <summary>One repeat of one cell, per message.</summary>
    private readonly record struct Cost(double SerializeNs, double DeserializeNs, double SerializeWallNs, double DeserializeWallNs,
        double SerializeAllocated, double DeserializeAllocated);
}

/// <summary>A way of turning a record into bytes and back. <paramref name="Framed"/>: an Avro body, sent behind the Confluent frame.</summary>
internal sealed record SerializationFormat<T>(string Name, bool Framed, Func<T, byte[]> Serialize, Func<byte[], T> Deserialize);

/// <summary>
/// The JSON a service would send without Avro: System.Text.Json with reflection metadata (the default resolver), the
/// fields named as the Avro schemas name them (camelCase), enums as their symbols, timestamps as ISO 8601 text. The
/// contract classes carry Avro's <c>Schema</c> for the specific reader and writer; it is not part of the message.
/// </summary>
internal static class JsonMessages
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { WithoutAvroSchema } },
    };

    private static void WithoutAvroSchema(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        for (var i = type.Properties.Count - 1; i >= 0; i--)
        {
            if (typeof(Avro.Schema).IsAssignableFrom(type.Properties[i].PropertyType))
            {
                type.Properties.RemoveAt(i);
            }
        }
    }
}

/// <summary>The records measured: one of each kind as the services send them.</summary>
internal static class Samples
{
    private static readonly DateTime Time = new(2026, 3, 1, 8, 0, 0, 125, DateTimeKind.Utc);

    public static NodeReading Reading => new()
    {
        NodeId = "node-0042", Timestamp = Time,
        CpuTemperatureCelsius = 71.234567, GpuTemperatureCelsius = 65.98765, PowerWatts = 812.3456789, CpuUtilization = 0.8123, GpuUtilization = 0.5678,
    };

    /// <summary>A job's end: its nodes, its exit code and the scheduler's tag, as the generator's scheduler writes one.</summary>
    public static JobEvent JobEvent => new()
    {
        JobId = "job-000123", Timestamp = Time, State = JobState.Completed, User = "ana", Account = "climate-lab",
        Requested = new ResourceRequest { Nodes = 4, CpusPerNode = 64, GpusPerNode = 4, MemoryGigabytesPerNode = 256, WallTimeSeconds = 14_400 },
        Nodes = ["node-0040", "node-0041", "node-0042", "node-0043"],
        ExitCode = 0,
        Reason = null,
        Tags = new Dictionary<string, string> { ["workload"] = "cfd" },
    };

    public static EnrichedReading Enriched => new(Reading,
        new RollingStatistics
        {
            SampleCount = 30, MeanPowerWatts = 801.123456789, StdDevPowerWatts = 12.3456789, MaxPowerWatts = 830.5,
            MeanCpuTemperatureCelsius = 70.1234567, MaxCpuTemperatureCelsius = 72.5, MeanGpuTemperatureCelsius = 64.9876543,
        },
        [AnomalyKind.PowerSpike])
    {
        JobId = "job-000123", User = "ana", Account = "climate-lab",
    };
}

/// <summary>
/// The calling thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>): time the thread ran, not time it waited for a
/// core another process held. Where it cannot be read the wall clock stands in, and <see cref="Name"/> says so.
/// </summary>
internal static class ThreadClock
{
    private const int ClockThreadCpuTimeId = 3;
    private static readonly bool IsThreadCpu = OperatingSystem.IsLinux() && TryRead(out _);

    public static string Name => IsThreadCpu ? "thread-cpu" : "wall";

    public static double Nanoseconds() =>
        IsThreadCpu && TryRead(out var nanoseconds) ? nanoseconds : Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency);

    private static bool TryRead(out double nanoseconds)
    {
        nanoseconds = 0;
        try
        {
            if (ClockGetTime(ClockThreadCpuTimeId, out var time) != 0)
            {
                return false;
            }

            nanoseconds = time.Seconds * 1e9 + time.Nanoseconds;
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc.so.6", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct TimeSpec(long Seconds, long Nanoseconds);
}

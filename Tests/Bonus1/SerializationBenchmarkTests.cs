using System.Buffers.Binary;
using System.Globalization;
using HpcAspire.Benchmarks;
using HpcAspire.Benchmarks.Bonus1;
using HpcAspire.Benchmarks.ClusterExperiments;
using HpcAspire.Contracts;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Bonus1;

/// <summary>The <c>avro --quick</c> run writes a measured row per format and message kind, and the plots are drawn from such a file.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class SerializationBenchmarkTests
{
    [Fact]
    public void A_quick_run_writes_a_measured_row_for_every_format_of_every_message_kind()
    {
        var folder = Folder();
        try
        {
            var file = Path.Combine(folder, "serialization.csv");

            Assert.Equal(0, AvroCodecBenchmark.Run(["--quick", "--out", file]));

            var rows = ResultsFile.Read(file);
            var expected = new[] { nameof(NodeReading), nameof(JobEvent), nameof(EnrichedReading) }
                .SelectMany(message => Formats(message).Select(format => (format, message)))
                .ToList();
            Assert.Equal(expected.Order(), rows.Select(r => (r.Text("format"), r.Text("message"))).Order());
            Assert.All(rows, row =>
            {
                Assert.True(row.Number("bytes") > 0, $"{row.Text("format")} {row.Text("message")} bytes");
                Assert.True(row.Number("serialize_ns") > 0, $"{row.Text("format")} {row.Text("message")} serialize_ns");
                Assert.True(row.Number("deserialize_ns") > 0, $"{row.Text("format")} {row.Text("message")} deserialize_ns");
                Assert.Equal(3, row.Number("repeats"));
                Assert.Equal(3, row.Text("serialize_ns_runs").Split(';').Length);
                Assert.True(DateTime.TryParse(row.Text("date"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out _), row.Text("date"));
                Assert.NotEmpty(row.Text("commit"));
            });

            foreach (var message in rows.GroupBy(r => r.Text("message")))
            {
                var json = message.Single(r => r.Text("format") == AvroCodecBenchmark.Json);
                var avro = message.Single(r => r.Text("format") == AvroCodecBenchmark.ApacheAvro);
                // Avro leaves the field names to the schema; JSON repeats them in every message.
                Assert.True(avro.Number("bytes") < json.Number("bytes"), message.Key);
                Assert.Equal("", json.Text("framed_bytes"));
                Assert.Equal(avro.Number("bytes") + AvroCodecBenchmark.ConfluentFrameBytes, avro.Number("framed_bytes"));
                // The contracts' codec writes Avro's own encoding.
                Assert.All(message.Where(r => r.Text("format") == AvroCodecBenchmark.ContractsCodec), codec => Assert.Equal(avro.Number("bytes"), codec.Number("bytes")));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_plots_draw_one_image_per_message_kind_with_bytes_and_cpu_side_by_side()
    {
        var folder = Folder();
        try
        {
            var rows = new List<ResultRow>();
            foreach (var (message, scale) in new[] { (nameof(NodeReading), 1), (nameof(JobEvent), 3) })
            {
                rows.Add(Row(AvroCodecBenchmark.Json, message, 220 * scale, framed: null, 900 * scale, 1400 * scale));
                rows.Add(Row(AvroCodecBenchmark.ApacheAvro, message, 52 * scale, framed: 57 * scale, 600 * scale, 700 * scale));
            }

            ResultsFile.Write(Path.Combine(folder, SerializationPlots.ResultsFileName), rows);
            var images = Path.Combine(folder, "images");

            var drawn = SerializationPlots.Draw(folder, images);

            Assert.Equal(new[] { Path.Combine(images, "bonus1-node-reading.png"), Path.Combine(images, "bonus1-job-event.png") }, drawn);
            Assert.All(drawn, png =>
            {
                var header = File.ReadAllBytes(png).AsSpan(0, 24);
                Assert.Equal(0x89, header[0]);
                Assert.Equal("PNG"u8.ToArray(), header[1..4].ToArray());
                Assert.Equal(2 * SerializationPlots.PanelWidth, BinaryPrimitives.ReadInt32BigEndian(header[16..20]));
                Assert.Equal(SerializationPlots.PanelHeight, BinaryPrimitives.ReadInt32BigEndian(header[20..24]));
                Assert.True(new FileInfo(png).Length > 20_000, png);
            });
            Assert.Equal(2, Directory.GetFiles(images, "bonus1-*.png").Length);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Without_a_results_file_no_plot_is_drawn()
    {
        var folder = Folder();
        try
        {
            Assert.Empty(SerializationPlots.Draw(folder, Path.Combine(folder, "images")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static IEnumerable<string> Formats(string message) => message switch
    {
        nameof(NodeReading) => AvroCodecBenchmark.FormatsFor<NodeReading>().Select(f => f.Name),
        nameof(JobEvent) => AvroCodecBenchmark.FormatsFor<JobEvent>().Select(f => f.Name),
        _ => AvroCodecBenchmark.FormatsFor<EnrichedReading>().Select(f => f.Name),
    };

    private static ResultRow Row(string format, string message, int bytes, int? framed, double serializeNs, double deserializeNs) =>
        new ResultRow()
            .Set("format", format)
            .Set("message", message)
            .Set("bytes", bytes)
            .Set("framed_bytes", framed?.ToString(CultureInfo.InvariantCulture) ?? "")
            .Set("serialize_ns", serializeNs)
            .Set("deserialize_ns", deserializeNs)
            .Set("serialize_ns_runs", FormattableString.Invariant($"{serializeNs * 0.9};{serializeNs};{serializeNs * 1.2}"))
            .Set("deserialize_ns_runs", FormattableString.Invariant($"{deserializeNs * 0.95};{deserializeNs};{deserializeNs * 1.1}"))
            .Set("messages", 1000)
            .Set("repeats", 3)
            .Set("clock", "thread-cpu");

    private static string Folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"bonus1-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }
}

using HpcAspire.Benchmarks.Latency;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Latency;

/// <summary>The latency plots come from the committed budget file alone: a budget plot per application and rate, an end-to-end plot per application.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class LatencyPlotsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hpcaspire-latency-plots", Guid.NewGuid().ToString("N"));

    [Fact]
    public void Each_application_and_rate_in_the_budget_file_gets_its_plot_and_each_application_its_end_to_end_plot()
    {
        var results = Directory.CreateDirectory(Path.Combine(_directory, "results", "latency")).FullName;
        File.WriteAllLines(Path.Combine(results, "stage-budget.csv"),
        [
            "label,application,offered_per_s,stage,mean_ms,p50_ms,p99_ms,values,date",
            "before,kafka,1000,\"sink: checkpoint (fsync files, checkpoint files, commit)\",3.4,4.5,9.8,121,2026-12-02T23:02:29Z",
            "before,kafka,1000,\"end to end: reading time → row durable\",394.3,423.5,629.4,61000,2026-12-02T23:02:29Z",
            "live defaults,kafka,1000,\"end to end: reading time → row durable\",72.5,71.3,129.1,61000,2026-12-03T06:30:00Z",
            "live defaults,kafka,1000,\"end to end: reading time → row durable\",70.1,69.0,120.0,61000,2026-12-03T06:35:00Z",
            "live defaults,kafka,20000,\"remainder: waits for the watermark in the processor and for the sink's next checkpoint\",35.1,,,0,2026-12-03T06:32:00Z",
            "live defaults,rabbitmq,1000,\"end to end: reading time → row durable\",90.0,85.0,160.0,61000,2026-12-03T06:40:00Z",
        ]);
        var images = Path.Combine(_directory, "images");

        var drawn = LatencyPlots.Draw(Path.Combine(_directory, "results"), images).Select(Path.GetFileName).Order().ToList();

        Assert.Equal(
        [
            "latency-budget-kafka-1000.png", "latency-budget-kafka-20000.png", "latency-budget-rabbitmq-1000.png",
            "latency-end-to-end-kafka.png", "latency-end-to-end-rabbitmq.png",
        ], drawn);
        foreach (var file in drawn)
        {
            var bytes = File.ReadAllBytes(Path.Combine(images, file!));
            Assert.True(bytes.Length > 10_000, $"{file} is {bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
    }

    [Fact]
    public void Without_a_budget_file_nothing_is_drawn()
    {
        Assert.Empty(LatencyPlots.Draw(Path.Combine(_directory, "no-results"), Path.Combine(_directory, "images")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

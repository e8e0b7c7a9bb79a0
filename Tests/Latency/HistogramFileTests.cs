using System.Diagnostics.Metrics;
using HpcAspire.Benchmarks;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Hosting;

namespace HpcAspire.Tests.Latency;

/// <summary>
/// The services' histogram files and the benchmark's reading of them: what a service records comes back as
/// percentiles within a bucket's width (2 %), per service, instrument, stage and destination, and two readings
/// subtracted give the window between them.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class HistogramFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hpcaspire-histogram-tests", Guid.NewGuid().ToString("N"));

    // Tests of the services in this process record into the same meter: a destination of this test's own keeps them apart.
    private readonly string _destination = $"enriched-readings-{Guid.NewGuid():N}";

    [Fact]
    public async Task Percentiles_read_from_the_file_are_within_a_bucket_of_the_recorded_values()
    {
        using var meter = new Meter(HistogramFile.MeterName);
        var latency = meter.CreateHistogram<double>("hpcaspire.pipeline.latency", "s");
        var stage = meter.CreateHistogram<double>("hpcaspire.stage.duration", "s");
        var file = new HistogramFile(_directory, "sink");
        await file.StartAsync(CancellationToken.None);

        // 1 … 1,000 ms end to end, and a stage with another destination that must not mix in.
        for (var ms = 1; ms <= 1_000; ms++)
        {
            latency.Record(ms / 1_000.0, new KeyValuePair<string, object?>("messaging.destination.name", _destination));
        }

        stage.Record(5.0, new KeyValuePair<string, object?>("hpcaspire.stage", "checkpoint"), new KeyValuePair<string, object?>("messaging.destination.name", _destination));
        await file.StopAsync(CancellationToken.None);
        file.Dispose();

        var histograms = StageHistograms.Read(_directory);
        var endToEnd = histograms.Get("sink", "hpcaspire.pipeline.latency", "", _destination);
        Assert.Equal(1_000, endToEnd.Count);
        Assert.InRange(endToEnd.Percentile(0.50), 500, 500 * 1.02);
        Assert.InRange(endToEnd.Percentile(0.99), 990, 990 * 1.02);
        Assert.InRange(endToEnd.Mean(), 500.5 * 0.98, 500.5 * 1.02);
        var checkpoint = histograms.Get("sink", "hpcaspire.stage.duration", "checkpoint", _destination);
        Assert.Equal(1, checkpoint.Count);
        Assert.InRange(checkpoint.Percentile(0.5), 5_000, 5_000 * 1.02);
        Assert.Equal(0, histograms.Get("processor", "hpcaspire.pipeline.latency", "", _destination).Count);
    }

    [Fact]
    public async Task A_later_reading_minus_an_earlier_one_holds_only_what_was_recorded_between_them()
    {
        using var meter = new Meter(HistogramFile.MeterName);
        var latency = meter.CreateHistogram<double>("hpcaspire.pipeline.latency", "s");
        var tag = new KeyValuePair<string, object?>("messaging.destination.name", _destination);

        var first = new HistogramFile(_directory, "sink");
        await first.StartAsync(CancellationToken.None);
        for (var i = 0; i < 100; i++)
        {
            latency.Record(2.0, tag); // a slow start: 2 s
        }

        await first.StopAsync(CancellationToken.None);
        var earlier = StageHistograms.Read(_directory);

        await first.StartAsync(CancellationToken.None);
        for (var i = 0; i < 50; i++)
        {
            latency.Record(0.020, tag); // then 20 ms
        }

        await first.StopAsync(CancellationToken.None);
        first.Dispose();

        var window = StageHistograms.Read(_directory).Minus(earlier).Get("sink", "hpcaspire.pipeline.latency", "", _destination);
        Assert.Equal(50, window.Count);
        Assert.InRange(window.Percentile(0.99), 20, 20 * 1.02);
    }

    [Fact]
    public void The_rates_on_a_command_line_are_the_words_that_are_not_options_or_their_values()
    {
        string[] args = ["pipeline", "1000", "--results", "runs.csv", "20000", "--set", "Processor:BatchMilliseconds=50", "--cold", "--label", "after"];
        var positional = Enumerable.Range(1, args.Length - 1).Where(i => PipelineRunOptions.IsPositional(args, i)).Select(i => args[i]).ToList();
        Assert.Equal(["1000", "20000"], positional);

        var options = PipelineRunOptions.Parse(args);
        Assert.Equal("runs.csv", options.ResultsFile);
        Assert.Equal("after", options.Label);
        Assert.True(options.Cold);
        Assert.Equal(["Processor:BatchMilliseconds=50"], options.Settings);
        Assert.Null(options.BudgetFile);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

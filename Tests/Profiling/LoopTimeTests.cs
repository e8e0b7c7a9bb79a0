using HpcAspire.Benchmarks;
using HpcAspire.Benchmarks.Profiling;
using Microsoft.Extensions.Hosting;

namespace HpcAspire.Tests.Profiling;

/// <summary>Part 4's loop statistics: a run's mean and spread from its loop histogram, and the runs summarised into the table's cells.</summary>
[Trait("Kind", "Unit")]
public class LoopTimeTests
{
    [Fact]
    public void A_runs_mean_and_standard_deviation_come_from_its_histogram_within_the_buckets_resolution()
    {
        // 100 loops of 10 ms and 100 of 30 ms: mean 20 ms, standard deviation about 10 ms.
        var counts = new SortedDictionary<int, long> { [HistogramFile.BucketOf(0.010)] = 100, [HistogramFile.BucketOf(0.030)] = 100 };

        var loop = LoopTime.From("processor", new Histogram(counts));

        Assert.Equal(200, loop.Loops);
        Assert.InRange(loop.MeanMs, 19.6, 20.4);
        Assert.InRange(loop.StdMs, 9.7, 10.4);
        Assert.InRange(loop.P99Ms, 29.4, 30.6);
    }

    [Fact]
    public void A_service_without_a_loop_in_the_window_has_no_times_rather_than_zero()
    {
        var loop = LoopTime.From("sink", new Histogram([]));

        Assert.Equal(0, loop.Loops);
        Assert.True(double.IsNaN(loop.MeanMs));
        Assert.Empty(LoopTimeCell.Summarise([Row(1, loops: 0, mean: double.NaN, std: double.NaN)]));
    }

    [Fact]
    public void The_table_puts_the_spread_between_runs_next_to_the_spread_within_a_run()
    {
        // Three runs whose means are 10, 20 and 30 ms (sd between runs 10 ms), each with 4 ms of spread within.
        var rows = new[] { Row(1, 100, 10, 4), Row(2, 100, 20, 4), Row(3, 100, 30, 4, sustained: false) };

        var cell = Assert.Single(LoopTimeCell.Summarise(rows));

        Assert.Equal(3, cell.Runs);
        Assert.Equal(2, cell.SustainedRuns);
        Assert.Equal(20, cell.MeanOfMeansMs, 6);
        Assert.Equal(10, cell.StdBetweenRunsMs, 6);
        Assert.Equal(20, cell.MedianOfMeansMs, 6);
        Assert.Equal(4, cell.MedianStdWithinMs, 6);
        // All three runs, then the two that kept up (10 and 20 ms: 15 ± 7.07 ms).
        Assert.Contains("| 3 (2) | 100 | 20.0 ms ± 10.0 ms | 20.0 ms | 4.00 ms | 15.0 ms ± 7.07 ms | 4.00 ms |", ProfileCommand.Table(rows));
    }

    [Fact]
    public void A_results_row_reads_back_as_it_was_written()
    {
        var row = Row(7, 123, 45.5, 6.25) with { Settings = "Sink:BatchSize=1, DOTNET_gcServer=1" };

        var read = LoopTimeRow.Parse(row.ToCsv());

        Assert.Equal(row with { Settings = "Sink:BatchSize=1; DOTNET_gcServer=1" }, read);
    }

    private static LoopTimeRow Row(int run, long loops, double mean, double std, bool sustained = true) =>
        new("baseline", "kafka", 20_000, run, "processor", loops, mean, std, mean, mean * 2, sustained, "2026-12-03T14:00:00Z", "abc1234", "");
}

using HpcAspire.Benchmarks.Profiling;

namespace HpcAspire.Tests.Profiling;

/// <summary>
/// The <c>profile --quick</c> run end to end (one short run of the Kafka application, embedded), then Part 4's plot drawn
/// from its results file: the loop times of every service and the call counts come out of a real run.
/// </summary>
[Trait("Kind", "EndToEnd")]
public sealed class ProfileQuickRunTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("part4-quick-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_quick_run_times_each_services_loop_from_its_own_histogram_and_counts_the_instrumented_calls()
    {
        var results = Path.Combine(_directory, "part4", "loop-times.csv");

        var exitCode = await ProfileCommand.RunAsync(["kafka", "--quick", "--out", results]);

        Assert.Equal(0, exitCode);
        var rows = LoopTimeRow.ReadAll(results);
        Assert.Equal(["generator", "processor", "sink"], rows.Select(r => r.Service));
        Assert.All(rows, r =>
        {
            Assert.Equal(("baseline", "kafka", 1_000, 1), (r.Experiment, r.Application, r.Rate, r.Run));
            Assert.True(r.Loops > 0, $"{r.Service} recorded no loop in the measured window");
            Assert.InRange(r.MeanMs, 0.001, 10_000);
            Assert.True(r.StdMs >= 0 && r.P99Ms >= r.P50Ms, $"{r.Service}: sd {r.StdMs}, p50 {r.P50Ms}, p99 {r.P99Ms}");
        });
        // The generator's loop is one tick: 1,000 nodes at 1 Hz over 10 s measured.
        Assert.InRange(rows.Single(r => r.Service == "generator").Loops, 8, 12);

        var counts = File.ReadLines(Path.Combine(_directory, "part4", "call-counts.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Contains(counts, c => c[4] == "processor" && c[6] == "join" && long.Parse(c[8]) > 0);
        Assert.Contains(counts, c => c[4] == "sink" && c[6] == "loop" && long.Parse(c[8]) == rows.Single(r => r.Service == "sink").Loops);

        var images = Path.Combine(_directory, "images");
        var drawn = Part4Plots.Draw(_directory, images);
        Assert.Equal([Path.Combine(images, "part4-loop-times-kafka.png")], drawn);
        Assert.True(new FileInfo(drawn[0]).Length > 10_000);
    }
}

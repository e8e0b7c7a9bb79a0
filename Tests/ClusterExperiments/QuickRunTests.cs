using HpcAspire.Benchmarks.ClusterExperiments;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.ClusterExperiments;

/// <summary>The <c>cluster --quick</c> run end to end on embedded clusters, then the plots drawn from its files.</summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public class QuickRunTests
{
    [Fact]
    public async Task A_quick_run_measures_one_cell_per_experiment_into_its_results_files_and_the_plots_are_drawn_from_them()
    {
        var output = Path.Combine(Path.GetTempPath(), $"part2-quick-{Guid.NewGuid():N}");
        try
        {
            var exitCode = await ClusterExperimentRun.RunAsync(["--quick", "--out", output]);

            Assert.Equal(0, exitCode);
            var scaleOut = ResultsFile.Read(Path.Combine(output, "e1-scale-out.csv")).Single();
            Assert.Equal("ok", scaleOut.Text("status"));
            Assert.Equal(3, scaleOut.Number("brokers_seen"));
            Assert.Equal(6, scaleOut.Number("partitions_seen"));
            Assert.Equal(3, scaleOut.Number("replication_seen"));
            Assert.Equal(0, scaleOut.Number("lost"));
            Assert.True(scaleOut.Number("produce_msg_s") > 0 && scaleOut.Number("consume_msg_s") > 0);

            var durability = ResultsFile.Read(Path.Combine(output, "e2-durability.csv")).Single();
            Assert.Equal("ok", durability.Text("status"));
            Assert.Equal(2, durability.Number("leaders_moved"));   // the stopped broker's 2 of 6 partitions, to other replicas
            Assert.Equal(0, durability.Number("stop_lost"));
            Assert.True(durability.Number("stop_acknowledged") > 0);
            Assert.InRange(durability.Number("produce_resume_s"), 0, durability.Number("down_s") + 5);

            var producers = ResultsFile.Read(Path.Combine(output, "e3-producers.csv")).Single();
            Assert.Equal("ok", producers.Text("status"));
            var group = ResultsFile.Read(Path.Combine(output, "e3-consumer-groups.csv")).Single();
            Assert.Equal("ok", group.Text("status"));
            Assert.Equal(3, group.Number("active_members"));
            Assert.Equal(group.Number("messages"), group.Text("per_member_messages").Split(';').Sum(double.Parse));
            Assert.True(group.Number("rebalance_join_s") > 0 && group.Number("rebalance_leave_s") > 0);
            Assert.Equal("yes", ResultsFile.Read(Path.Combine(output, "run.csv")).Single().Text("quick"));

            var images = Path.Combine(output, "images");
            Assert.Equal(0, ClusterPlots.Run(["--results", output, "--images", images]));
            Assert.All(Directory.GetFiles(images, "*.png"), png => Assert.True(new FileInfo(png).Length > 10_000, png));
            Assert.Equal(8, Directory.GetFiles(images, "part2-*.png").Length);
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}

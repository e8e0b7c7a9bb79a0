using Confluent.Kafka;
using HpcAspire.Benchmarks.ClusterExperiments;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.ClusterExperiments;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public class ExperimentPlanTests
{
    [Fact]
    public void The_full_matrix_has_every_cell_of_the_three_experiments_and_repeats_the_headline_cell()
    {
        var cells = ClusterExperimentRun.Plan(ClusterExperimentOptions.Parse([]), new EmbeddedClusterTarget()).ToList();

        var scaleOut = cells.Where(c => c.Experiment == ScaleOutExperiment.Name).Select(c => c.Label).ToList();
        Assert.Equal(29, scaleOut.Count);   // 3 brokers × 3 partition counts, 3 times each, the headline twice more
        Assert.Equal(5, scaleOut.Count(l => l.StartsWith("brokers=3 partitions=6 ", StringComparison.Ordinal)));
        Assert.Contains("brokers=5 partitions=24 repeat=1", scaleOut);
        Assert.Contains("brokers=1 partitions=1 repeat=1", scaleOut);

        var durability = cells.Where(c => c.Experiment == DurabilityExperiment.Name).Select(c => c.Label).ToList();
        Assert.Equal(24, durability.Count);   // 2 replication factors × 4 producer settings, in 3 rounds
        Assert.Contains("replication=1 min_isr=1 acks=0 idempotence=off repeat=1", durability);
        Assert.Contains("replication=3 min_isr=2 acks=all idempotence=on repeat=3", durability);
        Assert.DoesNotContain(durability, l => l.Contains("acks=1 idempotence=on", StringComparison.Ordinal));

        Assert.Equal([1, 10, 100, 1, 10, 100, 1, 10, 100], cells.Where(c => c.Experiment == ClientCountExperiment.Producers)
            .Select(c => int.Parse(c.Settings.Single(s => s.Key == "producers").Value)));
        Assert.Equal([1, 3, 6, 12, 60], cells.Where(c => c.Experiment == ClientCountExperiment.Groups)
            .Select(c => int.Parse(c.Settings.Single(s => s.Key == "members").Value)));
    }

    [Fact]
    public void A_quick_run_has_one_small_cell_per_experiment_and_does_not_write_over_the_committed_results()
    {
        var options = ClusterExperimentOptions.Parse(["--quick"]);
        var cells = ClusterExperimentRun.Plan(options, new EmbeddedClusterTarget()).ToList();

        Assert.Equal([ScaleOutExperiment.Name, DurabilityExperiment.Name, ClientCountExperiment.Producers, ClientCountExperiment.Groups], cells.Select(c => c.Experiment));
        Assert.NotEqual(ClusterExperimentOptions.DefaultOutput, options.OutputDirectory);
    }

    [Fact]
    public void An_existing_cluster_of_one_broker_gets_its_own_broker_count_and_skips_replication_3()
    {
        var cells = ClusterExperimentRun.Plan(ClusterExperimentOptions.Parse(["--only", "e1,e2"]), new FixedBrokers(1)).ToList();

        Assert.All(cells.Where(c => c.Experiment == ScaleOutExperiment.Name), c => Assert.StartsWith("brokers=1 ", c.Label));
        var skipped = cells.Single(c => c.Label == "replication=3 min_isr=2 acks=all idempotence=on repeat=1");
        var error = Assert.Throws<CellSkippedException>(() => skipped.Measure(null!, new ResultRow()).GetAwaiter().GetResult());
        Assert.Contains("1 brokers", error.Message);
    }

    [Theory]
    [InlineData(Acks.None, false)]
    [InlineData(Acks.Leader, false)]
    [InlineData(Acks.All, false)]
    [InlineData(Acks.All, true)]
    public void Each_durability_setting_reaches_the_client_config_and_librdkafka_accepts_it(Acks acks, bool idempotence)
    {
        var settings = ProducerSettings.Durabilities.Single(s => s.Acks == acks && s.Idempotence == idempotence);

        var config = settings.ToConfig("127.0.0.1:1");

        Assert.Equal(acks, config.Acks);
        Assert.Equal(idempotence, config.EnableIdempotence);
        using var producer = new ProducerBuilder<byte[], byte[]>(config).SetLogHandler((_, _) => { }).Build();
        Assert.NotNull(producer.Name);
    }

    private sealed class FixedBrokers(int brokers) : IClusterTarget
    {
        public string Description => "fixed";

        public int? FixedBrokerCount => brokers;

        public CellCluster Open(ClusterRequest request) => throw new NotSupportedException();
    }
}

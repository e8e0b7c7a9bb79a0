using HpcAspire.Benchmarks.ClusterExperiments;
using HpcAspire.Benchmarks.Figures;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Latency;

/// <summary>The <c>runs-table</c> verb: docs/benchmarks.md's medians, per application, settings and rate, from the results file alone.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class RunsTableTests
{
    private static ResultRow Run(string application, int rate, bool cold, double p50, double p99, bool sustained, int processorMb, double processorCores, string settings = "",
        string steal = "") =>
        new ResultRow().Set("application", application).Set("offered_per_s", rate).Set("cold", cold ? "true" : "false").Set("written_per_s", rate)
            .Set("p50_ms", p50).Set("p99_ms", p99).Set("sustained", sustained ? "true" : "false").Set("generator_mb", 150).Set("processor_mb", processorMb)
            .Set("sink_mb", 160).Set("generator_cores", 0.1).Set("processor_cores", processorCores).Set("sink_cores", 0.2).Set("other_cores", 0.3).Set("steal_pct", steal).Set("settings", settings);

    [Fact]
    public void Each_application_settings_and_rate_gets_its_runs_their_medians_and_the_highest_peak()
    {
        var lines = RunsTable.Lines(
        [
            Run("kafka", 1000, cold: true, 40, 70, true, 200, 0.05, steal: "3"),
            Run("kafka", 20000, cold: false, 80, 200, true, 250, 0.40),
            Run("kafka", 1000, cold: false, 30, 60, true, 210, 0.07, steal: "24"),
            Run("kafka", 1000, cold: false, 35, 900, false, 205, 0.06),
            Run("kafka", 1000, cold: false, 60, 100, true, 190, 0.05, "Processor:BatchMilliseconds=200"),
        ]).ToList();

        Assert.Equal(5, lines.Count); // header, rule, and three cells in the file's order
        Assert.Equal("| kafka | defaults | 1,000 | 1,000 (cold), 1,000, 1,000 | 40 (cold), 30, 35 | 70 (cold), 60, 900 | 35 / 70 | 2 of 3 | 0.10, 0.06, 0.20, 0.30 | 150, 210, 160 | 3, 24, – |", lines[2]);
        Assert.StartsWith("| kafka | defaults | 20,000 |", lines[3]);
        Assert.StartsWith("| kafka | Processor:BatchMilliseconds=200 | 1,000 |", lines[4]);
    }
}

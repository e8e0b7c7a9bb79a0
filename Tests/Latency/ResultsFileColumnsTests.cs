using HpcAspire.Benchmarks;
using HpcAspire.Tests.SchemaRegistry;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Latency;

/// <summary>A results file takes a run's row only under its own columns: a file of an older layout is named, not appended to.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class ResultsFileColumnsTests
{
    [Fact]
    public void A_new_or_matching_file_takes_rows_and_one_of_another_layout_is_named()
    {
        using var folder = new TemporaryDirectory();
        var file = Path.Combine(folder.Path, "runs.csv");
        Assert.Null(PipelineBenchmark.OtherColumns(file));

        File.WriteAllText(file, PipelineBenchmark.ResultsHeader + "\nkafka,1000\n");
        Assert.Null(PipelineBenchmark.OtherColumns(file));

        const string older = "application,offered_per_s,run,cold,written_per_s";
        File.WriteAllText(file, older + "\nkafka,1000,1,false,1000\n");
        Assert.Equal(older, PipelineBenchmark.OtherColumns(file));
        Assert.Contains("steal_pct", PipelineBenchmark.ResultsHeader);
    }
}

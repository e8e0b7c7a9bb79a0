using HpcAspire.Benchmarks.ClusterExperiments;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.ClusterExperiments;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public class ResultsFileTests
{
    [Fact]
    public void Rows_read_back_as_written_including_quoted_text_and_unmeasured_values()
    {
        var path = Path.Combine(Path.GetTempPath(), $"results-{Guid.NewGuid():N}.csv");
        try
        {
            ResultsFile.Write(path,
            [
                new ResultRow().Set("experiment", "e2").Set("status", "FAILED: \"x\", then y").Set("p99_ms", 12.3456).Set("lost", 3),
                new ResultRow().Set("experiment", "e2").Set("status", "ok").Set("p99_ms", double.NaN).Set("extra", "a;b"),
            ]);

            var rows = ResultsFile.Read(path);

            Assert.Equal(2, rows.Count);
            Assert.Equal("FAILED: \"x\", then y", rows[0].Text("status"));
            Assert.Equal(12.346, rows[0].Number("p99_ms"));
            Assert.Equal(3, rows[0].Number("lost"));
            Assert.True(double.IsNaN(rows[1].Number("p99_ms")));
            Assert.Equal("a;b", rows[1].Text("extra"));
            Assert.Equal("", rows[0].Text("extra"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

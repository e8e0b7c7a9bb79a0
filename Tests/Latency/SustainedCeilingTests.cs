using HpcAspire.Benchmarks;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Latency;

/// <summary>The <c>ceiling</c> benchmark's search: the rates it tries, and what a search's runs say the highest sustained rate is.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class SustainedCeilingTests
{
    [Fact]
    public void A_search_climbs_by_its_step_from_the_start_to_the_top()
    {
        Assert.Equal([50_000, 55_000, 60_000, 65_000], SustainedCeiling.Ladder(50_000, 5_000, 68_000));
        Assert.Equal([40_000], SustainedCeiling.Ladder(40_000, 5_000, 40_000));
    }

    [Theory]
    [InlineData(0, 5_000, 60_000)]
    [InlineData(50_000, 0, 60_000)]
    [InlineData(50_000, 5_000, 45_000)]
    public void A_ladder_that_cannot_climb_is_refused_naming_its_values(int start, int step, int top)
    {
        var refused = Assert.Throws<ArgumentException>(() => SustainedCeiling.Ladder(start, step, top));
        Assert.Contains($"ceiling {start} {step} {top}", refused.Message);
    }

    [Fact]
    public void The_plan_takes_the_values_given_and_defaults_only_those_left_out()
    {
        Assert.Equal((40_000, 5_000, 50_000, 2), Trim(SustainedCeiling.Plan([40_000, 5_000, 50_000], 2)));
        Assert.Equal((45_000, 5_000, 100_000, 3), Trim(SustainedCeiling.Plan([45_000], null)));
        Assert.Equal([40_000, 45_000, 50_000], SustainedCeiling.Plan([40_000, 5_000, 50_000], 1).Ladder);

        static (int, int, int, int) Trim((int Start, int Step, int Top, int Repeats, IReadOnlyList<int> Ladder) plan) => (plan.Start, plan.Step, plan.Top, plan.Repeats);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_repeat_count_below_one_is_refused_before_any_run(int repeats)
    {
        var refused = Assert.Throws<ArgumentException>(() => SustainedCeiling.Plan([50_000], repeats));
        Assert.Contains($"--repeats {repeats}", refused.Message);
    }

    [Fact]
    public void The_highest_sustained_rate_is_the_last_before_the_first_run_that_fell_behind()
    {
        Assert.Equal((55_000, false), SustainedCeiling.Highest([(50_000, true), (55_000, true), (60_000, false)], top: 80_000));
        // A run kept up after one that fell behind does not count: the search stops at the first.
        Assert.Equal((50_000, false), SustainedCeiling.Highest([(50_000, true), (55_000, false), (60_000, true)], top: 80_000));
        Assert.Equal((0, false), SustainedCeiling.Highest([(50_000, false)], top: 80_000));
        Assert.Equal((60_000, true), SustainedCeiling.Highest([(50_000, true), (55_000, true), (60_000, true)], top: 60_000));
    }
}

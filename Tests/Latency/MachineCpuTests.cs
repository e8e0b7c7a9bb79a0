using HpcAspire.Benchmarks;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Latency;

/// <summary>The benchmark's account of the machine: how much of its CPU time the host took (steal) over a window.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class MachineCpuTests
{
    [Fact]
    public void Steal_is_the_share_of_the_windows_cpu_time_the_host_took()
    {
        var before = MachineCpu.Parse("cpu  47767 0 10253 36630 874 0 922 683 0 0");
        var after = MachineCpu.Parse("cpu  47967 0 10303 36680 874 0 922 783 0 0");

        var window = after.Since(before);

        Assert.Equal(new MachineCpu(Busy: 250, Idle: 50, Steal: 100), window);
        Assert.Equal(25.0, window.StealPercent, 6);
        Assert.Equal(12.5, window.IdlePercent, 6);
    }

    [Fact]
    public void An_empty_window_has_no_share_and_another_line_is_refused()
    {
        var same = MachineCpu.Parse("cpu 1 2 3 4 5 6 7 8");
        Assert.True(double.IsNaN(same.Since(same).StealPercent));
        Assert.Throws<FormatException>(() => MachineCpu.Parse("cpu0 1 2 3 4 5 6 7 8"));
    }

    [Fact]
    public void This_machines_counters_read_and_only_grow()
    {
        var first = MachineCpu.Read();
        var second = MachineCpu.Read();

        Assert.True(first.Total > 0, "no /proc/stat cpu line was read");
        Assert.True(second.Total >= first.Total && second.Steal >= first.Steal);
    }
}

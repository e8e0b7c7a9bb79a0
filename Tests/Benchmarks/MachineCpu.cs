using System.Globalization;

namespace HpcAspire.Benchmarks;

/// <summary>
/// The whole machine's CPU time from <c>/proc/stat</c>'s first line, in clock ticks: what a run can say about the
/// machine it ran on. On a virtual machine, <c>steal</c> is time its virtual CPUs were ready to run but the host ran
/// something else: the same work then takes longer, and nothing inside the guest shows why except this counter.
/// </summary>
internal readonly record struct MachineCpu(long Busy, long Idle, long Steal)
{
    public long Total => Busy + Idle + Steal;

    /// <summary>The counters now, or all zero where there is no <c>/proc/stat</c>.</summary>
    public static MachineCpu Read() => File.Exists("/proc/stat") ? Parse(File.ReadLines("/proc/stat").First()) : default;

    /// <summary><c>cpu user nice system idle iowait irq softirq steal [guest guest_nice]</c>; guest time is already in user.</summary>
    public static MachineCpu Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 9 || fields[0] != "cpu")
        {
            throw new FormatException($"Not /proc/stat's cpu line: '{line}'.");
        }

        var value = fields[1..9].Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return new MachineCpu(Busy: value[0] + value[1] + value[2] + value[5] + value[6], Idle: value[3] + value[4], Steal: value[7]);
    }

    public MachineCpu Since(MachineCpu earlier) => new(Busy - earlier.Busy, Idle - earlier.Idle, Steal - earlier.Steal);

    /// <summary>The share of the machine's CPU time the host took (steal), as a percentage; NaN when nothing was counted.</summary>
    public double StealPercent => Total > 0 ? 100.0 * Steal / Total : double.NaN;

    public double IdlePercent => Total > 0 ? 100.0 * Idle / Total : double.NaN;

    /// <summary>Steal of 5 % or more: enough to name beside a run's figures as a cause.</summary>
    public bool Noticeable => StealPercent >= 5;
}

using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>
/// When a reading is anomalous. Temperatures have fixed limits (a CPU throttles near 95 °C). A
/// power spike is a jump over the node's previous reading that its load does not explain: a job
/// starting raises power and utilization together, a failing power supply or a runaway GPU only
/// the power.
/// </summary>
public sealed record AnomalyRules
{
    public double CpuOverheatingCelsius { get; init; } = 90;

    public double GpuOverheatingCelsius { get; init; } = 85;

    /// <summary>Power at least this factor above the previous reading…</summary>
    public double PowerSpikeFactor { get; init; } = 1.5;

    /// <summary>…while CPU plus GPU utilization rose by less than this.</summary>
    public double LoadRiseExplainingPower { get; init; } = 0.2;

    /// <summary>The anomalies of <paramref name="reading"/>, given the node's window before it.</summary>
    /// <remarks>Most readings have none: a list is made only for one that has (this runs for every reading).</remarks>
    public IList<AnomalyKind> Evaluate(NodeReading reading, RollingWindow before)
    {
        List<AnomalyKind>? anomalies = null;
        if (reading.CpuTemperatureCelsius > CpuOverheatingCelsius)
        {
            (anomalies ??= []).Add(AnomalyKind.CpuOverheating);
        }

        if (reading.GpuTemperatureCelsius > GpuOverheatingCelsius)
        {
            (anomalies ??= []).Add(AnomalyKind.GpuOverheating);
        }

        if (before.Latest is { } previous
            && reading.PowerWatts >= PowerSpikeFactor * previous.PowerWatts
            && reading.CpuUtilization + reading.GpuUtilization - previous.CpuUtilization - previous.GpuUtilization < LoadRiseExplainingPower)
        {
            (anomalies ??= []).Add(AnomalyKind.PowerSpike);
        }

        return anomalies ?? (IList<AnomalyKind>)Array.Empty<AnomalyKind>(); // one shared, read-only
    }
}

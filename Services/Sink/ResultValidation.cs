using HpcAspire.Contracts;

namespace HpcAspire.Sink;

/// <summary>
/// What makes a decoded result unusable as a row: the processor never emits such a record, so one
/// that arrives is a bug or a stranger upstream and goes to the dead letters rather than the files.
/// </summary>
internal static class ResultValidation
{
    public static string? ProblemOf(EnrichedReading enriched)
    {
        var reading = enriched.Reading;
        if (string.IsNullOrWhiteSpace(reading?.NodeId))
        {
            return "The reading has no node id.";
        }

        if (NotFinite(reading.PowerWatts, reading.CpuTemperatureCelsius, reading.GpuTemperatureCelsius, reading.CpuUtilization, reading.GpuUtilization)
            || enriched.Statistics is not { } statistics
            || NotFinite(statistics.MeanPowerWatts, statistics.StdDevPowerWatts, statistics.MaxPowerWatts,
                statistics.MeanCpuTemperatureCelsius, statistics.MaxCpuTemperatureCelsius, statistics.MeanGpuTemperatureCelsius))
        {
            return $"Reading of {reading.NodeId} at {reading.Timestamp:O} has a value that is not a finite number.";
        }

        return reading.PowerWatts < 0 ? $"Reading of {reading.NodeId} at {reading.Timestamp:O} has negative power {reading.PowerWatts} W." : null;
    }

    public static string? ProblemOf(JobEnergy energy)
    {
        if (string.IsNullOrWhiteSpace(energy.JobId))
        {
            return "The job energy has no job id.";
        }

        if (energy.EndTime < energy.StartTime)
        {
            return $"Job {energy.JobId} ends ({energy.EndTime:O}) before it starts ({energy.StartTime:O}).";
        }

        if (NotFinite(energy.EnergyKilowattHours, energy.MeanJobPowerWatts, energy.PeakJobPowerWatts ?? 0, energy.MeanNodePowerWatts ?? 0, energy.PeakNodePowerWatts))
        {
            return $"Job {energy.JobId} has an energy or power that is not a finite number.";
        }

        return energy.EnergyKilowattHours < 0 ? $"Job {energy.JobId} has negative energy {energy.EnergyKilowattHours} kWh." : null;
    }

    private static bool NotFinite(params ReadOnlySpan<double> values)
    {
        foreach (var value in values)
        {
            if (!double.IsFinite(value))
            {
                return true;
            }
        }

        return false;
    }
}

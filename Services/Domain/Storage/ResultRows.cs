using HpcAspire.Contracts;

namespace HpcAspire.Domain.Storage;

/// <summary>The sink's CSV columns for each result type: one header, one row per record.</summary>
public static class ResultRows
{
    public static readonly string[] EnrichedReadingHeader =
    [
        "timestamp", "node_id", "job_id", "user", "account",
        "power_w", "cpu_temp_c", "gpu_temp_c", "cpu_util", "gpu_util",
        "mean_power_w", "stddev_power_w", "max_power_w", "mean_cpu_temp_c", "max_cpu_temp_c", "mean_gpu_temp_c", "window_samples",
        "anomalies",
    ];

    public static readonly string[] JobEnergyHeader =
    [
        "job_id", "user", "account", "final_state", "start_time", "end_time", "node_count", "reading_count",
        "energy_kwh", "peak_power_w", "mean_power_w",
    ];

    public static string?[] Row(EnrichedReading enriched)
    {
        var reading = enriched.Reading;
        var statistics = enriched.Statistics;
        return
        [
            CsvFormat.Timestamp(reading.Timestamp), reading.NodeId, enriched.JobId, enriched.User, enriched.Account,
            CsvFormat.Number(reading.PowerWatts), CsvFormat.Number(reading.CpuTemperatureCelsius), CsvFormat.Number(reading.GpuTemperatureCelsius),
            CsvFormat.Number(reading.CpuUtilization), CsvFormat.Number(reading.GpuUtilization),
            CsvFormat.Number(statistics.MeanPowerWatts), CsvFormat.Number(statistics.StdDevPowerWatts), CsvFormat.Number(statistics.MaxPowerWatts),
            CsvFormat.Number(statistics.MeanCpuTemperatureCelsius), CsvFormat.Number(statistics.MaxCpuTemperatureCelsius),
            CsvFormat.Number(statistics.MeanGpuTemperatureCelsius), CsvFormat.Number(statistics.SampleCount),
            string.Join(";", enriched.Anomalies),
        ];
    }

    public static string?[] Row(JobEnergy energy) =>
    [
        energy.JobId, energy.User, energy.Account, energy.FinalState.ToString(),
        CsvFormat.Timestamp(energy.StartTime), CsvFormat.Timestamp(energy.EndTime),
        CsvFormat.Number(energy.NodeCount), CsvFormat.Number(energy.ReadingCount),
        CsvFormat.Number(energy.EnergyKilowattHours), CsvFormat.Number(energy.PeakPowerWatts), CsvFormat.Number(energy.MeanPowerWatts),
    ];
}

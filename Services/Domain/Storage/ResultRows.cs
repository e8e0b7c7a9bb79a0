using HpcAspire.Contracts;

namespace HpcAspire.Domain.Storage;

/// <summary>
/// The sink's CSV columns for each result type: one header, one record per result, each number in its column's unit
/// (see <see cref="CsvFormat"/> for the decimals of each). docs/csv-columns.md describes every column.
/// </summary>
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
        "energy_kwh", "mean_job_power_w", "peak_job_power_w", "mean_node_power_w", "peak_node_power_w",
    ];

    // One line per thread (the RabbitMQ sink may format on several), cleared before each record: a record abandoned
    // half-way by an exception must not start the next one.
    [ThreadStatic]
    private static CsvLine? s_line;

    private static CsvLine Line => (s_line ??= new CsvLine()).Clear();

    /// <summary>The record of an enriched reading, with its line end, in <see cref="EnrichedReadingHeader"/>'s columns.</summary>
    public static string Record(EnrichedReading enriched)
    {
        var reading = enriched.Reading;
        var statistics = enriched.Statistics;
        return Line
            .Timestamp(reading.Timestamp).Field(reading.NodeId).Field(enriched.JobId).Field(enriched.User).Field(enriched.Account)
            .Watts(reading.PowerWatts).Celsius(reading.CpuTemperatureCelsius).Celsius(reading.GpuTemperatureCelsius)
            .Fraction(reading.CpuUtilization).Fraction(reading.GpuUtilization)
            .Watts(statistics.MeanPowerWatts).Watts(statistics.StdDevPowerWatts).Watts(statistics.MaxPowerWatts)
            .Celsius(statistics.MeanCpuTemperatureCelsius).Celsius(statistics.MaxCpuTemperatureCelsius)
            .Celsius(statistics.MeanGpuTemperatureCelsius).Number(statistics.SampleCount)
            .Field(enriched.Anomalies.Count == 0 ? "" : string.Join(";", enriched.Anomalies))
            .End();
    }

    /// <summary>The record of a job's energy, with its line end, in <see cref="JobEnergyHeader"/>'s columns.</summary>
    public static string Record(JobEnergy energy) => Line
        .Field(energy.JobId).Field(energy.User).Field(energy.Account).Field(energy.FinalState.ToString())
        .Timestamp(energy.StartTime).Timestamp(energy.EndTime)
        .Number(energy.NodeCount).Number(energy.ReadingCount)
        .KilowattHours(energy.EnergyKilowattHours)
        .Watts(energy.MeanJobPowerWatts).Watts(energy.PeakJobPowerWatts).Watts(energy.MeanNodePowerWatts).Watts(energy.PeakNodePowerWatts)
        .End();
}

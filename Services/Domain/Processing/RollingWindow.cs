using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>A node's last <see cref="Capacity"/> readings and their statistics.</summary>
public sealed class RollingWindow(int capacity)
{
    private readonly Queue<NodeReading> _readings = new(capacity);

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "A window holds at least one reading.");

    public int Count => _readings.Count;

    /// <summary>The readings in the window, oldest first; adding them again to an empty window rebuilds it.</summary>
    public IReadOnlyList<NodeReading> Readings => [.. _readings];

    /// <summary>The newest reading, or null when the window is empty.</summary>
    public NodeReading? Latest { get; private set; }

    /// <summary>Mean and population standard deviation of power over the readings before the next one is added.</summary>
    public (double Mean, double StdDev) PowerBaseline()
    {
        if (_readings.Count == 0)
        {
            return (0, 0);
        }

        var mean = _readings.Average(r => r.PowerWatts);
        var variance = _readings.Average(r => (r.PowerWatts - mean) * (r.PowerWatts - mean));
        return (mean, Math.Sqrt(variance));
    }

    public RollingStatistics Add(NodeReading reading)
    {
        if (_readings.Count == Capacity)
        {
            _readings.Dequeue();
        }

        _readings.Enqueue(reading);
        Latest = reading;
        var (meanPower, stdDevPower) = PowerBaseline();
        return new RollingStatistics
        {
            SampleCount = _readings.Count,
            MeanPowerWatts = meanPower,
            StdDevPowerWatts = stdDevPower,
            MaxPowerWatts = _readings.Max(r => r.PowerWatts),
            MeanCpuTemperatureCelsius = _readings.Average(r => r.CpuTemperatureCelsius),
            MaxCpuTemperatureCelsius = _readings.Max(r => r.CpuTemperatureCelsius),
            MeanGpuTemperatureCelsius = _readings.Average(r => r.GpuTemperatureCelsius),
        };
    }
}

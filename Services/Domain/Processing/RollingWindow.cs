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

        // Plain loops, summing oldest first as Enumerable.Average does, so results are the same to the
        // bit; six LINQ passes with delegates were a tenth of the processor's work on a reading.
        var sum = 0.0;
        foreach (var reading in _readings)
        {
            sum += reading.PowerWatts;
        }

        var mean = sum / _readings.Count;
        var squares = 0.0;
        foreach (var reading in _readings)
        {
            squares += (reading.PowerWatts - mean) * (reading.PowerWatts - mean);
        }

        return (mean, Math.Sqrt(squares / _readings.Count));
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
        double maxPower = double.NegativeInfinity, cpuSum = 0, maxCpu = double.NegativeInfinity, gpuSum = 0;
        foreach (var r in _readings)
        {
            maxPower = Max(maxPower, r.PowerWatts);
            cpuSum += r.CpuTemperatureCelsius;
            maxCpu = Max(maxCpu, r.CpuTemperatureCelsius);
            gpuSum += r.GpuTemperatureCelsius;
        }

        return new RollingStatistics
        {
            SampleCount = _readings.Count,
            MeanPowerWatts = meanPower,
            StdDevPowerWatts = stdDevPower,
            MaxPowerWatts = maxPower,
            MeanCpuTemperatureCelsius = cpuSum / _readings.Count,
            MaxCpuTemperatureCelsius = maxCpu,
            MeanGpuTemperatureCelsius = gpuSum / _readings.Count,
        };
    }

    // Enumerable.Max's rule: NaN wins (a NaN reading is refused before it gets here, but the rule stays the same).
    private static double Max(double current, double value) => double.IsNaN(current) ? current : double.IsNaN(value) || value > current ? value : current;
}

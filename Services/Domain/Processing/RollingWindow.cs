using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>A node's last <see cref="Capacity"/> readings and their statistics.</summary>
/// <remarks>
/// The readings are kept in a ring, and beside them, in rings of their own, the three values the statistics
/// read: a window's statistics are computed for every reading, and reading contiguous doubles instead of
/// thirty readings scattered over the heap (a few thousand nodes' windows do not fit in the cache) was a
/// tenth of the processor's work on a reading. Sums still run oldest first, as Enumerable.Average's do,
/// so the results are the same to the bit.
/// </remarks>
public sealed class RollingWindow
{
    private readonly NodeReading[] _readings;
    private readonly double[] _power;
    private readonly double[] _cpuTemperature;
    private readonly double[] _gpuTemperature;
    private int _oldest;

    public RollingWindow(int capacity)
    {
        Capacity = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "A window holds at least one reading.");
        _readings = new NodeReading[capacity];
        _power = new double[capacity];
        _cpuTemperature = new double[capacity];
        _gpuTemperature = new double[capacity];
    }

    public int Capacity { get; }

    public int Count { get; private set; }

    /// <summary>The readings in the window, oldest first; adding them again to an empty window rebuilds it.</summary>
    public IReadOnlyList<NodeReading> Readings
    {
        get
        {
            InOrder(_readings, out var first, out var second);
            return [.. first, .. second];
        }
    }

    /// <summary>The newest reading, or null when the window is empty.</summary>
    public NodeReading? Latest => Count == 0 ? null : _readings[(_oldest + Count - 1) % Capacity];

    /// <summary>Mean and population standard deviation of power over the readings before the next one is added.</summary>
    public (double Mean, double StdDev) PowerBaseline()
    {
        if (Count == 0)
        {
            return (0, 0);
        }

        InOrder(_power, out var first, out var second);
        var mean = Sum(second, Sum(first)) / Count;
        return (mean, Math.Sqrt(SumOfSquares(second, mean, SumOfSquares(first, mean)) / Count));
    }

    public RollingStatistics Add(NodeReading reading)
    {
        var slot = (_oldest + Count) % Capacity;
        if (Count == Capacity)
        {
            _oldest = (_oldest + 1) % Capacity;
        }
        else
        {
            Count++;
        }

        _readings[slot] = reading;
        _power[slot] = reading.PowerWatts;
        _cpuTemperature[slot] = reading.CpuTemperatureCelsius;
        _gpuTemperature[slot] = reading.GpuTemperatureCelsius;

        var (meanPower, stdDevPower) = PowerBaseline();
        InOrder(_cpuTemperature, out var cpuFirst, out var cpuSecond);
        InOrder(_gpuTemperature, out var gpuFirst, out var gpuSecond);
        InOrder(_power, out var powerFirst, out var powerSecond);
        return new RollingStatistics
        {
            SampleCount = Count,
            MeanPowerWatts = meanPower,
            StdDevPowerWatts = stdDevPower,
            MaxPowerWatts = Max(Max(double.NegativeInfinity, powerFirst), powerSecond),
            MeanCpuTemperatureCelsius = Sum(cpuSecond, Sum(cpuFirst)) / Count,
            MaxCpuTemperatureCelsius = Max(Max(double.NegativeInfinity, cpuFirst), cpuSecond),
            MeanGpuTemperatureCelsius = Sum(gpuSecond, Sum(gpuFirst)) / Count,
        };
    }

    /// <summary>A ring's occupied slots as two runs, oldest first.</summary>
    private void InOrder<T>(T[] ring, out ReadOnlySpan<T> first, out ReadOnlySpan<T> second)
    {
        var firstLength = Math.Min(Count, Capacity - _oldest);
        first = ring.AsSpan(_oldest, firstLength);
        second = ring.AsSpan(0, Count - firstLength);
    }

    // One accumulator, carried from the first run into the second: (a + b) + c is not a + (b + c) in floating point.
    private static double Sum(ReadOnlySpan<double> values, double sum = 0)
    {
        foreach (var value in values)
        {
            sum += value;
        }

        return sum;
    }

    private static double SumOfSquares(ReadOnlySpan<double> values, double mean, double squares = 0)
    {
        foreach (var value in values)
        {
            squares += (value - mean) * (value - mean);
        }

        return squares;
    }

    // Enumerable.Max's rule: NaN wins (a NaN reading is refused before it gets here, but the rule stays the same).
    private static double Max(double current, ReadOnlySpan<double> values)
    {
        foreach (var value in values)
        {
            current = double.IsNaN(current) ? current : double.IsNaN(value) || value > current ? value : current;
        }

        return current;
    }
}

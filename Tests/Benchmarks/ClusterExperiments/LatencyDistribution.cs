namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>Latencies in milliseconds, sorted once, read as percentiles.</summary>
internal sealed class LatencyDistribution
{
    private readonly List<double> _sorted;

    public LatencyDistribution(List<double> milliseconds)
    {
        milliseconds.Sort();
        _sorted = milliseconds;
    }

    public int Count => _sorted.Count;

    /// <summary>The nearest-rank percentile (p in 0..1); NaN for no samples.</summary>
    public double Percentile(double p) =>
        _sorted.Count == 0 ? double.NaN : _sorted[Math.Clamp((int)Math.Ceiling(p * _sorted.Count) - 1, 0, _sorted.Count - 1)];

    public double Max => _sorted.Count == 0 ? double.NaN : _sorted[^1];
}

using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>
/// Energy of one job on one node: power interpolated linearly between consecutive readings and
/// integrated over the part of each interval inside the run [start, end). The run's energy is
/// complete once a reading at or after its end has arrived.
/// </summary>
public sealed class NodeEnergyIntegral(DateTime start)
{
    private NodeReading? _previous;

    public DateTime Start { get; } = start;

    public double Joules { get; private set; }

    public double PeakPowerWatts { get; private set; }

    /// <summary>Readings taken inside the run.</summary>
    public long ReadingCount { get; private set; }

    public DateTime? LastReadingTime => _previous?.Timestamp;

    public bool IsCompleteFor(DateTime end) => LastReadingTime >= end;

    public EnergyIntegralState Export(string jobId) => new(jobId, Start, _previous, Joules, PeakPowerWatts, ReadingCount);

    public static NodeEnergyIntegral Import(EnergyIntegralState state) => new(state.Start)
    {
        _previous = state.Previous,
        Joules = state.Joules,
        PeakPowerWatts = state.PeakPowerWatts,
        ReadingCount = state.ReadingCount,
    };

    /// <param name="end">The run's end if the job has ended by the reading's time, else null.</param>
    public void Add(NodeReading reading, DateTime? end = null)
    {
        var runEnd = end ?? DateTime.MaxValue;
        if (_previous is not null)
        {
            if (reading.Timestamp <= _previous.Timestamp)
            {
                throw new ArgumentException($"Readings of {reading.NodeId} must come in time order: {reading.Timestamp:O} after {_previous.Timestamp:O}.", nameof(reading));
            }

            Joules += ClippedIntegral(_previous, reading, Start, runEnd);
        }

        if (reading.Timestamp >= Start && reading.Timestamp < runEnd)
        {
            PeakPowerWatts = Math.Max(PeakPowerWatts, reading.PowerWatts);
            ReadingCount++;
        }

        _previous = reading;
    }

    private static double ClippedIntegral(NodeReading from, NodeReading to, DateTime start, DateTime end)
    {
        var a = from.Timestamp > start ? from.Timestamp : start;
        var b = to.Timestamp < end ? to.Timestamp : end;
        if (b <= a)
        {
            return 0;
        }

        var span = (to.Timestamp - from.Timestamp).TotalSeconds;
        double PowerAt(DateTime t) => from.PowerWatts + (to.PowerWatts - from.PowerWatts) * (t - from.Timestamp).TotalSeconds / span;
        return (PowerAt(a) + PowerAt(b)) / 2 * (b - a).TotalSeconds;
    }
}

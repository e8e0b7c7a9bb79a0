using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>
/// Energy of one job on one node, from the node's readings inside the run [start, end) alone: power
/// interpolated linearly between consecutive ones, and held at the first one back to the start and at
/// the last one up to the end. A reading at or after the end is not the job's (a node's sensors read
/// after the scheduler's decisions at a tick, so the reading at the job's end tick shows the next job,
/// or idle), so it only tells that the run's energy is complete. The readings inside are kept as power
/// samples, so the job's total power can be summed across its nodes instant by instant.
/// </summary>
public sealed class NodeEnergyIntegral(DateTime start)
{
    /// <summary>
    /// Power samples kept at most: two hours of readings at 1 Hz, about 100 KB in a share (Kafka's default message limit
    /// is 1 MB) and in each snapshot. A longer run keeps its energy and node peak, and gives up its samples, so its job
    /// has no total peak rather than a share too large to send.
    /// </summary>
    public const int MaxPowerSamples = 7_200;

    private NodeReading? _previous;
    // Null when not all the run's samples are known (restored from a state written before they were kept, or too many).
    private List<PowerSample>? _power = [];

    public DateTime Start { get; } = start;

    public double Joules { get; private set; }

    /// <summary>The highest reading inside the run.</summary>
    public double PeakPowerWatts { get; private set; }

    /// <summary>Readings taken inside the run.</summary>
    public long ReadingCount { get; private set; }

    /// <summary>The readings inside the run so far as power samples, in time order; null if not all are known (see <see cref="MaxPowerSamples"/>).</summary>
    public IReadOnlyList<PowerSample>? Power => _power;

    public DateTime? LastReadingTime => _previous?.Timestamp;

    public bool IsCompleteFor(DateTime end) => LastReadingTime >= end;

    public EnergyIntegralState Export(string jobId) => new(jobId, Start, _previous, Joules, PeakPowerWatts, ReadingCount, _power is null ? null : [.. _power]);

    public static NodeEnergyIntegral Import(EnergyIntegralState state) => new(state.Start)
    {
        _previous = state.Previous,
        Joules = state.Joules,
        PeakPowerWatts = state.PeakPowerWatts,
        ReadingCount = state.ReadingCount,
        _power = state.Power is null ? null : [.. state.Power],
    };

    /// <param name="end">The run's end if the job has ended by the reading's time, else null.</param>
    public void Add(NodeReading reading, DateTime? end = null)
    {
        var runEnd = end ?? DateTime.MaxValue;
        if (_previous is not null && reading.Timestamp <= _previous.Timestamp)
        {
            throw new ArgumentException($"Readings of {reading.NodeId} must come in time order: {reading.Timestamp:O} after {_previous.Timestamp:O}.", nameof(reading));
        }

        var last = _previous is { } previous && previous.Timestamp >= Start && previous.Timestamp < runEnd ? previous : null;
        if (reading.Timestamp >= Start && reading.Timestamp < runEnd)
        {
            Joules += last is null
                ? reading.PowerWatts * (reading.Timestamp - Start).TotalSeconds
                : (last.PowerWatts + reading.PowerWatts) / 2 * (reading.Timestamp - last.Timestamp).TotalSeconds;
            PeakPowerWatts = Math.Max(PeakPowerWatts, reading.PowerWatts);
            _power?.Add(new PowerSample { Time = reading.Timestamp, Watts = reading.PowerWatts });
            if (_power?.Count > MaxPowerSamples)
            {
                _power = null;
            }

            ReadingCount++;
        }
        else if (reading.Timestamp >= runEnd && last is not null)
        {
            Joules += last.PowerWatts * (runEnd - last.Timestamp).TotalSeconds;
        }

        _previous = reading;
    }
}

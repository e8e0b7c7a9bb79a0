namespace HpcAspire.Domain.Storage;

/// <summary>
/// Where a result stands in its own stream: a node's readings come in timestamp order, and a job
/// has one energy record, at its end time. A result at or before the last one written for its key
/// is a copy of something already stored.
/// </summary>
public readonly record struct ResultIdentity(string Key, DateTime At)
{
    public static ResultIdentity Of(Contracts.EnrichedReading enriched) => new(enriched.Reading.NodeId, enriched.Reading.Timestamp);

    public static ResultIdentity Of(Contracts.JobEnergy energy) => new(energy.JobId, energy.EndTime);
}

/// <summary>
/// What a store already holds, by content rather than by broker position, so a result delivered
/// twice is written once whatever the broker did: a transaction aborted after its output was read,
/// a message redelivered after a lost ack, a processor that replays from its last snapshot.
/// It remembers the latest time written per key; keys silent for longer than <c>window</c> of data
/// time behind the newest result are forgotten, which bounds it to the keys still active (a copy
/// arrives within one replay, far inside that window).
/// </summary>
public sealed class WrittenResults
{
    private readonly Dictionary<string, DateTime> _latest;
    private readonly TimeSpan _window;
    private DateTime _newest = DateTime.MinValue;

    public WrittenResults(TimeSpan window, IReadOnlyDictionary<string, DateTime>? latest = null)
    {
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "The duplicate window must be positive.");
        }

        _window = window;
        _latest = latest is null ? new(StringComparer.Ordinal) : new(latest, StringComparer.Ordinal);
        foreach (var at in _latest.Values)
        {
            _newest = at > _newest ? at : _newest;
        }
    }

    public int Count => _latest.Count;

    public bool Holds(ResultIdentity result) => _latest.TryGetValue(result.Key, out var latest) && result.At <= latest;

    /// <summary>Records a written result; false (and nothing recorded) when it was already held.</summary>
    public bool Add(ResultIdentity result)
    {
        if (Holds(result))
        {
            return false;
        }

        _latest[result.Key] = result.At;
        _newest = result.At > _newest ? result.At : _newest;
        return true;
    }

    /// <summary>The state to persist with a checkpoint, without the keys gone quiet beyond the window.</summary>
    public IReadOnlyDictionary<string, DateTime> Snapshot()
    {
        var horizon = _newest - DateTime.MinValue > _window ? _newest - _window : DateTime.MinValue;
        foreach (var key in _latest.Where(entry => entry.Value < horizon).Select(entry => entry.Key).ToList())
        {
            _latest.Remove(key);
        }

        return new Dictionary<string, DateTime>(_latest, StringComparer.Ordinal);
    }
}

using HpcAspire.Contracts;

namespace HpcAspire.Domain.Simulation;

/// <summary>One tick of the simulated cluster: what the scheduler did and what the nodes measured.</summary>
public sealed record ClusterTick(long Number, DateTime Time, IReadOnlyList<JobEvent> JobEvents, IReadOnlyList<NodeReading> Readings);

/// <summary>
/// The simulated cluster, tick by tick. Both generators run it with the same options, so the
/// readings one sends and the jobs the other sends agree; the job generator skips the sensors.
/// </summary>
public sealed class ClusterSimulation
{
    private readonly ClusterOptions _options;
    private readonly JobScheduler _scheduler;
    private readonly NodeSensors? _sensors;
    private long _tick;

    public ClusterSimulation(ClusterOptions options, bool withSensors = true)
    {
        options.Validate();
        _options = options;
        _scheduler = new JobScheduler(options);
        _sensors = withSensors ? new NodeSensors(options) : null;
    }

    public ClusterTick Next()
    {
        var now = _options.StartTime + _tick * _options.ReadingInterval;
        var events = _scheduler.Advance(now);
        var readings = _sensors?.Sample(now, _scheduler) ?? [];
        return new ClusterTick(_tick++, now, events, readings);
    }
}

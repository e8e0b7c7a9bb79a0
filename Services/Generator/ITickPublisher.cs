using HpcAspire.Domain.Simulation;

namespace HpcAspire.Generator;

/// <summary>Sends one stream of a simulated tick; the transport adapters implement it.</summary>
public interface ITickPublisher
{
    /// <summary>Hands the tick's messages to the transport; returns how many it took.</summary>
    int Publish(ClusterTick tick);

    /// <summary>Waits until everything handed over is acknowledged by the broker.</summary>
    void Flush(CancellationToken cancellationToken);
}

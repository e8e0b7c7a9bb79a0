using HpcAspire.Domain.Simulation;

namespace HpcAspire.Generator;

/// <summary>Sends one stream of a simulated tick; the transport adapters implement it.</summary>
public interface ITickPublisher
{
    /// <summary>Where the stream goes (a topic, an exchange), for the logs.</summary>
    string Destination { get; }

    /// <summary>Hands the tick's messages to the transport; returns how many it took.</summary>
    ValueTask<int> PublishAsync(ClusterTick tick, CancellationToken cancellationToken);

    /// <summary>Waits until everything handed over is acknowledged by the broker.</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace HpcAspire.Messaging.RabbitMQ;

/// <summary>
/// Declares the topology when the host starts (before the consumers, which are registered later) and, when it
/// stops (after them), waits for the publisher's outstanding confirms.
/// </summary>
internal sealed class RabbitMQTransportLifetime(IServiceProvider services, HpcTopology topology) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        topology.DeclareAsync(services.GetRequiredService<IConnection>(), cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Only a publisher someone used has anything to wait for.
        if (services.GetService<RabbitMQPublisher>() is { } publisher)
        {
            await publisher.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

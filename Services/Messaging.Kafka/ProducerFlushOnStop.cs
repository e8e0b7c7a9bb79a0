using Microsoft.Extensions.Hosting;

namespace HpcAspire.Messaging.Kafka;

/// <summary>Delivers what a producer still holds before the host disposes it: disposing alone drops it.</summary>
internal sealed class ProducerFlushOnStop(Func<TimeSpan, int> flush) : IHostedService
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.Run(() => flush(FlushTimeout), cancellationToken);
}

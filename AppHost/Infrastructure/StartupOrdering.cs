using Microsoft.Extensions.DependencyInjection;

namespace HpcAspire.AppHost.Infrastructure;

/// <summary>
/// Start-up order where it is not a dependency. On two cores the start-up is CPU-bound: every process started at once
/// shares the cores, so the longest chain decides the total. With both applications that chain is RabbitMQ's boot and
/// then its services (they wait for it), and the broker booted in 15–18 s beside eight starting .NET services instead
/// of about 4 s alone. The Kafka application's services, which need nothing from RabbitMQ, give it those seconds.
/// </summary>
internal static class StartupOrdering
{
    /// <summary>How long a service defers its start at most: a broker that is slow or absent does not hold it back much longer than its boot would.</summary>
    public static readonly TimeSpan MaxDeferral = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Defers <paramref name="service"/>'s start until the resource named <paramref name="first"/> is healthy, has
    /// stopped or failed, or <see cref="MaxDeferral"/> has passed; at once when the model has no such resource. Unlike
    /// <c>WaitFor</c> this never keeps the service from starting, and it adds no reference.
    /// </summary>
    public static IResourceBuilder<T> StartsAfter<T>(this IResourceBuilder<T> service, string first) where T : IResource =>
        service.OnBeforeResourceStarted(async (_, @event, cancellationToken) =>
        {
            if (!@event.Services.GetRequiredService<DistributedApplicationModel>().Resources.Any(resource => resource.Name == first))
            {
                return;
            }

            using var deferral = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deferral.CancelAfter(MaxDeferral);
            try
            {
                await @event.Services.GetRequiredService<ResourceNotificationService>()
                    .WaitForResourceHealthyAsync(first, WaitBehavior.StopOnResourceUnavailable, deferral.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // MaxDeferral passed: start anyway.
            }
            catch (DistributedApplicationException)
            {
                // The other resource stopped or failed to start: nothing left to give way to.
            }
        });
}

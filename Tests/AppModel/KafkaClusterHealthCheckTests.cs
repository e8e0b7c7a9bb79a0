using HpcAspire.AppHost.Infrastructure.Kafka;
using HpcAspire.AppHost.Infrastructure.Kafka.Embedded;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HpcAspire.Tests.AppModel;

/// <summary>The broker health check against a real Kafka protocol peer (librdkafka's mock cluster).</summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class KafkaClusterHealthCheckTests : IDisposable
{
    private readonly MockKafkaCluster _cluster = new(log: (_, _, _) => { });

    [Fact]
    public async Task A_broker_that_advertises_the_address_it_was_dialled_at_is_healthy()
    {
        var bootstrap = _cluster.Start(1);

        var result = await CheckAsync(bootstrap);

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task A_broker_that_advertises_another_address_than_the_one_dialled_is_unhealthy_and_says_both()
    {
        var bootstrap = _cluster.Start(1);
        // What a broker container advertised when its host listener resolved on the container network: port 9092.
        _cluster.SetAdvertisedListener(1, "localhost", 9092);

        var result = await CheckAsync(bootstrap);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains($"Dialled {bootstrap}", result.Description);
        Assert.Contains("advertise localhost:9092", result.Description);
    }

    public void Dispose() => _cluster.Dispose();

    private static Task<HealthCheckResult> CheckAsync(string bootstrap) =>
        new KafkaClusterHealthCheck(_ => ValueTask.FromResult<string?>(bootstrap), requiredBrokers: 1, checkAdvertised: true)
            .CheckHealthAsync(new HealthCheckContext { Registration = new HealthCheckRegistration("kafka-1", _ => null!, null, null) });
}

using HpcAspire.AppHost.Infrastructure.Kafka.Embedded;
using HpcAspire.AppHost.Infrastructure.RabbitMQ;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.AppModel;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public class EmbeddedModeModelTests
{
    [Fact]
    public async Task Kafka_is_the_mock_cluster_with_one_stoppable_broker_resource_per_broker_and_no_containers()
    {
        await using var builder = await AppHostFactory.CreateAsync("Embedded", "Kafka:Brokers=4", "Kafka:ReplicationFactor=2");

        var cluster = Assert.IsType<EmbeddedKafkaClusterResource>(builder.Resources.Single(r => r.Name == "kafka"));
        Assert.Equal(4, cluster.Settings.Brokers);
        Assert.Equal(2, cluster.Settings.ReplicationFactor);
        Assert.Equal(["kafka-1", "kafka-2", "kafka-3", "kafka-4"], cluster.Brokers.Select(b => b.Name));
        foreach (var broker in cluster.Brokers)
        {
            Assert.Same(cluster, broker.Parent);
            var commands = broker.Annotations.OfType<ResourceCommandAnnotation>().Select(c => c.Name);
            Assert.Equal(["stop-broker", "start-broker"], commands);
            Assert.Contains(broker.Annotations.OfType<ManifestPublishingCallbackAnnotation>(), a => a.Callback is null);
        }

        Assert.Empty(builder.Resources.OfType<ContainerResource>());
        Assert.DoesNotContain(builder.Resources, r => r.Name == "kafdrop");
    }

    [Fact]
    public async Task Local_runs_tier_the_services_hot_code_at_once_and_deployments_keep_the_runtime_default()
    {
        await using var builder = await AppHostFactory.CreateAsync("Embedded", "Application:Transports=Both");

        var services = builder.Resources.OfType<ProjectResource>().Where(r => r.Name != "schema-registry-service").ToList();
        Assert.Equal(8, services.Count);
        foreach (var service in services)
        {
            // The environment callbacks alone: resolving the values in run mode would wait for endpoints no run allocates.
            var run = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(
                new DistributedApplicationExecutionContextOptions(DistributedApplicationOperation.Run) { Services = builder.Services.BuildServiceProvider() }));
            foreach (var callback in service.Annotations.OfType<EnvironmentCallbackAnnotation>())
            {
                await callback.Callback(run);
            }

            Assert.Equal("0", run.EnvironmentVariables["DOTNET_TC_CallCountingDelayMs"]);
            var published = await ResourceConfiguration.EnvironmentAsync(service);
            Assert.False(published.ContainsKey("DOTNET_TC_CallCountingDelayMs"), service.Name);
        }
    }

    [Fact]
    public async Task The_embedded_cluster_trims_what_each_reader_has_read_and_its_consumers_are_tuned_for_its_fetches_and_small_retention()
    {
        await using var embedded = await AppHostFactory.CreateAsync("Embedded");

        var env = await ResourceConfiguration.EnvironmentAsync(embedded.Resources.Single(r => r.Name == "processor"));
        Assert.Equal("true", env["Processor__CommitGroupOffsets"]);
        foreach (var consumer in new[] { "processor", "sink" })
        {
            // Fetch again soon after a position fell out of the small retention, before the log's start moves on.
            var consumerEnv = await ResourceConfiguration.EnvironmentAsync(embedded.Resources.Single(r => r.Name == consumer));
            Assert.Equal("20", consumerEnv["Messaging__Kafka__Consumer__fetch.error.backoff.ms"]);
            Assert.Equal("5", consumerEnv["Messaging__Kafka__Consumer__fetch.wait.max.ms"]);
        }

        var cluster = Assert.IsType<EmbeddedKafkaClusterResource>(embedded.Resources.Single(r => r.Name == "kafka"));
        Assert.Equal(["enriched-readings", "node-readings"], cluster.Settings.TrimConsumed.Keys.Order());
        Assert.Equal(["processor"], cluster.Settings.TrimConsumed["node-readings"]);
        Assert.Equal(["sink"], cluster.Settings.TrimConsumed["enriched-readings"]);

        // Real brokers keep the transactional offsets: no second commit.
        await using var containers = await AppHostFactory.CreateAsync("Containers");
        var containerEnv = await ResourceConfiguration.EnvironmentAsync(containers.Resources.Single(r => r.Name == "processor"));
        Assert.False(containerEnv.ContainsKey("Processor__CommitGroupOffsets"));
        Assert.False(containerEnv.ContainsKey("Messaging__Kafka__Consumer__fetch.error.backoff.ms"));
    }

    [Fact]
    public async Task The_schema_registry_is_the_products_own_service_behind_the_same_connection_string_name()
    {
        await using var builder = await AppHostFactory.CreateAsync("Embedded");

        var registry = Assert.IsType<ConnectionStringResource>(builder.Resources.Single(r => r.Name == "schema-registry"));
        Assert.Equal("{schema-registry-service.bindings.http.url}", registry.ConnectionStringExpression.ValueExpression);
        var service = Assert.IsType<ProjectResource>(builder.Resources.Single(r => r.Name == "schema-registry-service"));
        var env = await ResourceConfiguration.EnvironmentAsync(service);
        Assert.EndsWith("/schema-registry", env["SchemaRegistry__DataDirectory"]);

        foreach (var generator in new[] { "node-reading-generator", "job-event-generator" })
        {
            var generatorEnv = await ResourceConfiguration.EnvironmentAsync(builder.Resources.Single(r => r.Name == generator));
            Assert.Equal("{schema-registry.connectionString}", generatorEnv["ConnectionStrings__schema-registry"]);
            Assert.Equal("{kafka.connectionString}", generatorEnv["ConnectionStrings__kafka"]);
        }
    }

    [Fact]
    public async Task RabbitMQ_is_the_local_server_on_loopback_ports_with_generated_credentials()
    {
        await using var builder = await AppHostFactory.CreateAsync("Embedded", "Application:Transports=RabbitMQ", "RabbitMQ:Port=45672", "RabbitMQ:ManagementPort=45673");

        var rabbitmq = builder.Resources.OfType<LocalRabbitMQResource>().Single();
        Assert.Equal("rabbitmq", rabbitmq.Name);
        Assert.Equal("/bin/bash", rabbitmq.Command);
        var args = await ResourceConfiguration.ArgumentsAsync(rabbitmq);
        Assert.EndsWith("Infrastructure/RabbitMQ/rabbitmq-local.sh", Assert.Single(args));

        var endpoints = rabbitmq.Annotations.OfType<EndpointAnnotation>().ToDictionary(e => e.Name);
        Assert.Equal(45672, endpoints["tcp"].Port);
        Assert.Equal(45673, endpoints["management"].Port);
        Assert.All(endpoints.Values, e => Assert.False(e.IsProxied));

        var env = await ResourceConfiguration.EnvironmentAsync(rabbitmq);
        Assert.Equal("45672", env["RMQ_AMQP_PORT"]);
        Assert.Equal("45673", env["RMQ_MGMT_PORT"]);
        Assert.Equal("{rabbitmq-password.value}", env["RMQ_PASS"]);
        Assert.Equal("{rabbitmq-username.value}", env["RMQ_USER"]);
        Assert.True(rabbitmq.Password.Secret);
        Assert.StartsWith("amqp://", rabbitmq.ConnectionStringExpression.ValueExpression);
    }

    [Fact]
    public async Task A_missing_rabbitmq_server_keeps_the_resource_and_says_how_to_install_it()
    {
        await using var builder = await AppHostFactory.CreateAsync("Embedded", "Application:Transports=RabbitMQ", "RabbitMQ:ServerPath=/nonexistent/rabbitmq-server");

        var rabbitmq = builder.Resources.OfType<LocalRabbitMQResource>().Single();
        var missing = Assert.Single(rabbitmq.Annotations.OfType<LocalRabbitMQMissingAnnotation>());
        Assert.Contains("/nonexistent/rabbitmq-server", missing.Message);
        Assert.Contains("apt-get install -y rabbitmq-server", missing.Message);
        var args = await ResourceConfiguration.ArgumentsAsync(rabbitmq);
        Assert.Contains(missing.Message, args[1]);
        Assert.Contains(builder.Resources, r => r.Name == "kafka");
    }
}

using HpcAspire.AppHost.Infrastructure;
using HpcAspire.AppHost.Infrastructure.Kafka;
using HpcAspire.AppHost.Infrastructure.RabbitMQ;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.AppModel;

/// <summary>
/// Containers mode as <c>dotnet run</c> starts it, evaluated with endpoints allocated on the host and container networks
/// the way DCP allocates them: what each container would be started with, on machines that cannot start one.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public class ContainersModeRunModelTests
{
    [Fact]
    public async Task Brokers_advertise_their_host_port_to_host_clients_and_their_name_to_containers()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers");
        ResourceConfiguration.AllocateEndpoints(builder);
        var cluster = builder.Resources.OfType<KafkaClusterResource>().Single();

        var advertisedToHost = new List<string>();
        foreach (var broker in cluster.Brokers)
        {
            var env = await ResourceConfiguration.RunModeEnvironmentAsync(builder, broker);
            var hostPort = ResourceConfiguration.HostPortOf(broker, "tcp");
            Assert.Equal($"HOST://localhost:{hostPort},INTERNAL://{broker.Name}:9093", env["KAFKA_ADVERTISED_LISTENERS"]);
            advertisedToHost.Add($"localhost:{hostPort}");
        }

        // What the services dial is exactly what the brokers advertise, so a client's second request goes where its first did.
        var processor = await ResourceConfiguration.RunModeEnvironmentAsync(builder, builder.Resources.Single(r => r.Name == "processor"));
        Assert.Equal(string.Join(",", advertisedToHost), processor["ConnectionStrings__kafka"]);
    }

    [Fact]
    public async Task Containers_reach_the_brokers_and_the_registry_by_name_on_the_container_network()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers");
        ResourceConfiguration.AllocateEndpoints(builder);

        var topics = await ResourceConfiguration.RunModeEnvironmentAsync(builder, builder.Resources.Single(r => r.Name == "kafka-topics"));
        Assert.Equal("kafka-1:9093,kafka-2:9093,kafka-3:9093", topics["TOPICS_BOOTSTRAP_SERVERS"]);

        var registry = await ResourceConfiguration.RunModeEnvironmentAsync(builder, builder.Resources.OfType<SchemaRegistryResource>().Single());
        Assert.Equal("PLAINTEXT://kafka-1:9093,PLAINTEXT://kafka-2:9093,PLAINTEXT://kafka-3:9093", registry["SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS"]);
        Assert.False(registry.ContainsKey("SCHEMA_REGISTRY_PORT"), "cp-schema-registry exits when SCHEMA_REGISTRY_PORT is set");

        var kafdrop = await ResourceConfiguration.RunModeEnvironmentAsync(builder, builder.Resources.OfType<KafdropResource>().Single());
        Assert.Equal("kafka-1:9093,kafka-2:9093,kafka-3:9093", kafdrop["KAFKA_BROKERCONNECT"]);
        Assert.Equal("http://schema-registry:8081", kafdrop["SCHEMAREGISTRY_CONNECT"]);

        // Services run on the host: they get the registry's host port.
        var sink = await ResourceConfiguration.RunModeEnvironmentAsync(builder, builder.Resources.Single(r => r.Name == "sink"));
        var registryResource = builder.Resources.OfType<SchemaRegistryResource>().Single();
        Assert.Equal($"http://localhost:{ResourceConfiguration.HostPortOf(registryResource, "http")}", sink["ConnectionStrings__schema-registry"]);
    }

    [Fact]
    public async Task Brokers_keep_their_data_in_a_named_volume_with_a_heap_that_fits_a_small_docker_vm()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers");
        ResourceConfiguration.AllocateEndpoints(builder);

        foreach (var broker in builder.Resources.OfType<KafkaClusterResource>().Single().Brokers)
        {
            var volume = Assert.Single(broker.Annotations.OfType<ContainerMountAnnotation>());
            Assert.Equal(ContainerMountType.Volume, volume.Type);
            Assert.Equal($"hpcaspire-{broker.Name}-data", volume.Source);
            Assert.Equal("/var/lib/kafka/data", volume.Target);

            var env = await ResourceConfiguration.RunModeEnvironmentAsync(builder, broker);
            Assert.Equal("/var/lib/kafka/data", env["KAFKA_LOG_DIRS"]);
            Assert.Equal("-Xms512m -Xmx512m", env["KAFKA_HEAP_OPTS"]);
        }
    }

    [Fact]
    public async Task The_topics_are_created_by_a_one_shot_container_after_every_broker_with_the_configured_settings()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers",
            "Kafka:Brokers=4", "Kafka:ReplicationFactor=3", "Kafka:MinInsyncReplicas=2", "Kafka:Topics:node-readings=12");
        var cluster = builder.Resources.OfType<KafkaClusterResource>().Single();
        var topics = Assert.IsType<KafkaTopicCreationResource>(builder.Resources.Single(r => r.Name == "kafka-topics"));
        Assert.Same(topics, cluster.TopicCreation);

        var image = Assert.Single(topics.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal(("confluentinc/cp-kafka", "8.0.0"), (image.Image, image.Tag));
        Assert.Equal("bash", topics.Entrypoint);
        var args = await ResourceConfiguration.ArgumentsAsync(topics);
        Assert.Equal("-c", args[0]);
        Assert.Contains("kafka-topics --bootstrap-server", args[1]);
        Assert.Contains("--if-not-exists", args[1]);

        var env = await ResourceConfiguration.EnvironmentAsync(topics);
        var requested = env["TOPICS"].Split(' ').ToDictionary(spec => spec.Split(':')[0], spec => int.Parse(spec.Split(':')[1]));
        Assert.Equal(12, requested["node-readings"]);
        Assert.Equal(cluster.Settings.Topics.Keys.Order(), requested.Keys.Order());
        Assert.Equal("3", env["TOPICS_REPLICATION_FACTOR"]);
        Assert.Equal("2", env["TOPICS_MIN_INSYNC_REPLICAS"]);

        Assert.Equal(cluster.Brokers.Select(b => b.Name), topics.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name));
    }

    [Fact]
    public async Task Services_stop_waiting_when_the_kafka_cluster_fails_to_start()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers");

        foreach (var name in new[] { "node-reading-generator", "job-event-generator", "processor", "sink" })
        {
            var wait = Assert.Single(builder.Resources.Single(r => r.Name == name).Annotations.OfType<WaitAnnotation>(), w => w.Resource.Name == "kafka");
            Assert.Equal(WaitBehavior.StopOnResourceUnavailable, wait.WaitBehavior);
        }
    }

    [Fact]
    public async Task Kafdrop_reads_values_as_avro_and_keys_as_plain_strings()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers");

        var env = await ResourceConfiguration.EnvironmentAsync(builder.Resources.OfType<KafdropResource>().Single());
        var arguments = env["CMD_ARGS"].Split(' ');
        Assert.Contains("--message.format=AVRO", arguments);
        Assert.Contains("--message.keyFormat=DEFAULT", arguments);
    }

    [Fact]
    public async Task RabbitMQ_is_a_pinned_release_of_the_management_image_with_its_data_in_a_named_volume()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers", "Application:Transports=RabbitMQ");

        var rabbitmq = builder.Resources.OfType<RabbitMQServerResource>().Single();
        var image = Assert.Single(rabbitmq.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal(RabbitMQBrokerBuilderExtensions.ContainerImageTag, image.Tag);
        Assert.Matches(@"^\d+\.\d+\.\d+-management$", image.Tag);
        var volume = Assert.Single(rabbitmq.Annotations.OfType<ContainerMountAnnotation>());
        Assert.Equal((ContainerMountType.Volume, "hpcaspire-rabbitmq-data", "/var/lib/rabbitmq"), (volume.Type, volume.Source, volume.Target));
    }

    [Fact]
    public async Task The_published_manifest_creates_the_topics_and_pins_every_image()
    {
        var repositoryRoot = Path.GetDirectoryName(Projects.HpcAspire_AppHost.ProjectPath)!;
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(repositoryRoot, "aspire-manifest.json")))!["resources"]!;

        var topics = manifest["kafka-topics"]!;
        Assert.Equal("container.v0", (string?)topics["type"]);
        Assert.Equal("bash", (string?)topics["entrypoint"]);
        Assert.Contains("node-readings:6", (string?)topics["env"]!["TOPICS"]);

        foreach (var (name, resource) in manifest.AsObject())
        {
            if ((string?)resource!["image"] is { } reference)
            {
                Assert.Matches(@":\d+\.\d+\.\d+(-management)?$", reference);
            }
        }
    }
}

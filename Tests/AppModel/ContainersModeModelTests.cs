using HpcAspire.AppHost.Infrastructure.Kafka;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.AppModel;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public class ContainersModeModelTests
{
    [Fact]
    public async Task Kafka_is_one_container_per_broker_with_a_pinned_image_and_a_connection_string_listing_every_broker()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers");

        var cluster = Assert.IsType<KafkaClusterResource>(Assert.Single(builder.Resources, r => r.Name == "kafka"));
        Assert.Equal(3, cluster.Brokers.Count);
        foreach (var broker in cluster.Brokers)
        {
            var image = Assert.Single(broker.Annotations.OfType<ContainerImageAnnotation>());
            Assert.Equal("confluentinc/cp-kafka", image.Image);
            Assert.Equal("8.0.0", image.Tag);
            Assert.Contains(broker.Annotations.OfType<HealthCheckAnnotation>(), _ => true);
        }

        Assert.Equal(
            "{kafka-1.bindings.tcp.host}:{kafka-1.bindings.tcp.port},{kafka-2.bindings.tcp.host}:{kafka-2.bindings.tcp.port},{kafka-3.bindings.tcp.host}:{kafka-3.bindings.tcp.port}",
            cluster.ConnectionStringExpression.ValueExpression);
    }

    [Fact]
    public async Task Broker_count_and_replication_settings_come_from_configuration()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers",
            "Kafka:Brokers=5", "Kafka:ReplicationFactor=4", "Kafka:MinInsyncReplicas=3");

        var cluster = builder.Resources.OfType<KafkaClusterResource>().Single();
        Assert.Equal(["kafka-1", "kafka-2", "kafka-3", "kafka-4", "kafka-5"], cluster.Brokers.Select(b => b.Name));

        var env = await EnvironmentOf(cluster.Brokers[4]);
        Assert.Equal("5", env["KAFKA_NODE_ID"]);
        Assert.Equal("broker,controller", env["KAFKA_PROCESS_ROLES"]);
        Assert.Equal("1@kafka-1:9094,2@kafka-2:9094,3@kafka-3:9094,4@kafka-4:9094,5@kafka-5:9094", env["KAFKA_CONTROLLER_QUORUM_VOTERS"]);
        Assert.Equal("4", env["KAFKA_DEFAULT_REPLICATION_FACTOR"]);
        Assert.Equal("3", env["KAFKA_MIN_INSYNC_REPLICAS"]);
        Assert.Equal("4", env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]);
        Assert.Equal("4", env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"]);
        Assert.Equal("3", env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"]);
        Assert.Equal(
            "HOST://{kafka-5.bindings.tcp.host}:{kafka-5.bindings.tcp.port},INTERNAL://{kafka-5.bindings.internal.host}:{kafka-5.bindings.internal.port}",
            env["KAFKA_ADVERTISED_LISTENERS"]);
    }

    [Fact]
    public async Task Schema_registry_and_kafdrop_use_the_clusters_internal_listeners_and_avro()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers");

        var registry = builder.Resources.OfType<SchemaRegistryResource>().Single();
        Assert.Equal("schema-registry", registry.Name);
        Assert.Equal("confluentinc/cp-schema-registry:8.0.0", ImageOf(registry));
        var registryEnv = await EnvironmentOf(registry);
        Assert.Equal("PLAINTEXT://kafka-1:9093,PLAINTEXT://kafka-2:9093,PLAINTEXT://kafka-3:9093", registryEnv["SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS"]);
        Assert.Equal("schema-registry", registryEnv["SCHEMA_REGISTRY_HOST_NAME"]);

        var kafdrop = builder.Resources.OfType<KafdropResource>().Single();
        Assert.Equal("obsidiandynamics/kafdrop:4.1.0", ImageOf(kafdrop));
        var kafdropEnv = await EnvironmentOf(kafdrop);
        Assert.Equal("kafka-1:9093,kafka-2:9093,kafka-3:9093", kafdropEnv["KAFKA_BROKERCONNECT"]);
        Assert.Equal("http://schema-registry:8081", kafdropEnv["SCHEMAREGISTRY_CONNECT"]);
        Assert.Contains("--message.format=AVRO", kafdropEnv["CMD_ARGS"]);
        Assert.Contains(kafdrop.Annotations.OfType<WaitAnnotation>(), wait => wait.Resource == registry);
    }

    [Fact]
    public async Task RabbitMQ_is_the_management_image_with_a_generated_secret_password()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers", "Application:Transports=RabbitMQ");

        var rabbitmq = builder.Resources.OfType<RabbitMQServerResource>().Single();
        Assert.EndsWith("-management", ImageOf(rabbitmq));
        Assert.NotNull(rabbitmq.PasswordParameter);
        Assert.True(rabbitmq.PasswordParameter.Secret);
        Assert.IsType<GenerateParameterDefault>(rabbitmq.PasswordParameter.Default);
        Assert.Contains(rabbitmq.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "management");
    }

    [Fact]
    public async Task Both_generators_share_the_simulation_settings_and_one_start_time()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers", "Cluster:NodeCount=32", "Cluster:Seed=5");

        var readings = await EnvironmentOf((IResourceWithEnvironment)builder.Resources.Single(r => r.Name == "node-reading-generator"));
        var jobs = await EnvironmentOf((IResourceWithEnvironment)builder.Resources.Single(r => r.Name == "job-event-generator"));

        Assert.Equal("NodeReadings", readings["Generator__Stream"]);
        Assert.Equal("JobEvents", jobs["Generator__Stream"]);
        foreach (var shared in new[] { "Cluster__NodeCount", "Cluster__Seed", "Cluster__StartTime" })
        {
            Assert.Equal(readings[shared], jobs[shared]);
        }

        Assert.Equal("32", readings["Cluster__NodeCount"]);
        Assert.Equal("5", jobs["Cluster__Seed"]);
        Assert.Equal("{schema-registry.connectionString}", readings["ConnectionStrings__schema-registry"]);
    }

    [Fact]
    public async Task RabbitMQ_is_the_management_image_with_no_host_files_mounted()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers", "Application:Transports=RabbitMQ");

        var rabbitmq = builder.Resources.OfType<RabbitMQServerResource>().Single();
        var image = Assert.Single(rabbitmq.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Contains("management", image.Tag);
        Assert.DoesNotContain(rabbitmq.Annotations.OfType<ContainerMountAnnotation>(), m => m.Type == ContainerMountType.BindMount);
    }

    [Fact]
    public async Task Both_applications_run_side_by_side_by_default_with_one_simulation()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers", "Application:Transports=Both");

        var names = builder.Resources.Select(r => r.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "node-reading-generator", "job-event-generator", "processor", "sink" }, names);
        Assert.Superset(new HashSet<string> { "rabbitmq-node-reading-generator", "rabbitmq-job-event-generator", "rabbitmq-processor", "rabbitmq-sink" }, names);

        var kafkaReadings = await EnvironmentOf((IResourceWithEnvironment)builder.Resources.Single(r => r.Name == "node-reading-generator"));
        var rabbitReadings = await EnvironmentOf((IResourceWithEnvironment)builder.Resources.Single(r => r.Name == "rabbitmq-node-reading-generator"));
        Assert.Equal(kafkaReadings["Cluster__StartTime"], rabbitReadings["Cluster__StartTime"]);
        Assert.False(kafkaReadings.ContainsKey("Messaging__Transport"));
        Assert.Equal("RabbitMQ", rabbitReadings["Messaging__Transport"]);
        Assert.Equal("{rabbitmq.connectionString}", rabbitReadings["ConnectionStrings__rabbitmq"]);
        Assert.Equal("{schema-registry.connectionString}", rabbitReadings["ConnectionStrings__schema-registry"]);
    }

    [Theory]
    [InlineData("Kafka", "processor", "rabbitmq-processor", false)]
    [InlineData("RabbitMQ", "rabbitmq-processor", "processor", true)]
    public async Task Application_Transports_chooses_which_application_runs(string transports, string present, string absent, bool withRabbitMQ)
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers", $"Application:Transports={transports}");

        Assert.Contains(builder.Resources, r => r.Name == present);
        Assert.DoesNotContain(builder.Resources, r => r.Name == absent);
        Assert.Equal(withRabbitMQ, builder.Resources.Any(r => r.Name == "rabbitmq")); // no idle broker beside the Kafka application
        Assert.Contains(builder.Resources, r => r.Name == "schema-registry");
    }

    [Fact]
    public async Task RabbitMQ_processor_replicas_each_know_their_place_and_agree_on_the_shards()
    {
        await using var builder = await AppHostFactory.CreateAsync("Containers", "Application:Transports=RabbitMQ", "RabbitMQ:Processors=3", "RabbitMQ:ReadingShards=6");

        var replicas = builder.Resources.OfType<ProjectResource>().Where(r => r.Name.StartsWith("rabbitmq-processor", StringComparison.Ordinal)).ToList();
        Assert.Equal(["rabbitmq-processor", "rabbitmq-processor-1", "rabbitmq-processor-2"], replicas.Select(r => r.Name));
        for (var i = 0; i < replicas.Count; i++)
        {
            var env = await EnvironmentOf(replicas[i]);
            Assert.Equal(i.ToString(), env["Processor__InstanceId"]);
            Assert.Equal("3", env["Processor__Instances"]);
            Assert.Equal("6", env["Messaging__RabbitMQ__ReadingShards"]);
            Assert.Equal("3", env["Messaging__RabbitMQ__Processors"]);
        }

        var generator = await EnvironmentOf((IResourceWithEnvironment)builder.Resources.Single(r => r.Name == "rabbitmq-node-reading-generator"));
        Assert.Equal("6", generator["Messaging__RabbitMQ__ReadingShards"]);
        Assert.Equal("3", generator["Messaging__RabbitMQ__Processors"]);
    }

    private static string ImageOf(IResource resource)
    {
        var image = resource.Annotations.OfType<ContainerImageAnnotation>().Single();
        return $"{image.Image}:{image.Tag}";
    }

    private static Task<Dictionary<string, string>> EnvironmentOf(IResourceWithEnvironment resource) =>
        ResourceConfiguration.EnvironmentAsync(resource);
}

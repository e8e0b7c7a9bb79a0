using HpcAspire.AppHost.Infrastructure;
using HpcAspire.AppHost.Infrastructure.Kafka;
using HpcAspire.AppHost.Infrastructure.Kafka.Embedded;
using HpcAspire.AppHost.Infrastructure.RabbitMQ;

var builder = DistributedApplication.CreateBuilder(args);

// Containers when a container runtime answers, embedded otherwise (Infrastructure:Mode forces either).
var infrastructure = builder.AddInfrastructure();

// Kafka and its Schema Registry: N KRaft brokers, cp-schema-registry and Kafdrop in containers;
// librdkafka's mock cluster hosted here and the product's own registry in embedded mode.
IResourceBuilder<IResourceWithConnectionString> kafka;
SchemaRegistryReference schemaRegistry;
if (infrastructure.Mode == InfrastructureMode.Containers)
{
    var cluster = builder.AddKafkaContainers("kafka", infrastructure.Kafka);
    var registry = builder.AddSchemaRegistry("schema-registry", cluster);
    builder.AddKafdrop("kafdrop", cluster, registry);
    (kafka, schemaRegistry) = (cluster, new SchemaRegistryReference(registry, registry));
}
else
{
    kafka = builder.AddEmbeddedKafkaCluster("kafka", infrastructure.Kafka);
    var (registry, registryService) = builder.AddEmbeddedSchemaRegistry("schema-registry", infrastructure);
    schemaRegistry = new SchemaRegistryReference(registry, registryService);
}

// Every service below: a plain HTTP endpoint with /health, trace sampling, prompt tiering and the Schema Registry
// (HpcServices.AddService); what follows each is what differs.

// The Kafka application: generators -> partitioned topics -> exactly-once processor -> CSV sink. Its services start
// once RabbitMQ (when its application runs) has booted, or after 15 s at most: RabbitMQ's boot and then its services
// are the start-up's longest chain on two cores (StartupOrdering).
if (infrastructure.Transports.HasFlag(ApplicationTransports.Kafka))
{
    // Generators: one seeded cluster simulation, two streams (Avro on Kafka).
    foreach (var (name, stream) in new[] { ("node-reading-generator", "NodeReadings"), ("job-event-generator", "JobEvents") })
    {
        builder.AddService<Projects.HpcAspire_Generator>(name, schemaRegistry)
            .WithClusterSimulation(stream)
            .WithKafka(kafka).StartsAfter("rabbitmq");
    }

    // Processor: readings joined to jobs, statistics, anomalies and energy per job, exactly once.
    foreach (var instance in Enumerable.Range(0, infrastructure.ProcessorInstances))
    {
        builder.AddService<Projects.HpcAspire_Processor>(HpcServices.InstanceName("processor", instance), schemaRegistry)
            .WithConfigurationSections("Cluster", "Processor")
            .WithEnvironment("Processor__InstanceId", instance.ToString())
            .WithEmbeddedKafkaTuning(infrastructure).WithEmbeddedGroupOffsets(infrastructure)
            .WithKafka(kafka).StartsAfter("rabbitmq");
    }

    // Sink: the processor's results as CSV files; what it cannot use goes to dead-letters.
    builder.AddService<Projects.HpcAspire_Sink>("sink", schemaRegistry)
        .WithConfigurationSections("Sink")
        .WithLocalData("Sink__OutputDirectory", infrastructure, "sink")
        .WithEmbeddedKafkaTuning(infrastructure)
        .WithKafka(kafka).StartsAfter("rabbitmq");
}

// The same application over RabbitMQ: readings routed by node through a topic exchange and sharded by a
// stable hash of the node onto quorum queues, processors as competing consumers of the shards, job events
// fanned out to every processor. Same generators, rules and CSV writing; only the adapters differ.
if (infrastructure.Transports.HasFlag(ApplicationTransports.RabbitMQ))
{
    // RabbitMQ with the management UI: the rabbitmq image, or Debian's rabbitmq-server as a local process.
    // Only with its application: an idle Erlang VM still takes CPU from the Kafka application on small machines.
    var rabbitmq = builder.AddRabbitMQBroker("rabbitmq", infrastructure);

    foreach (var (name, stream) in new[] { ("rabbitmq-node-reading-generator", "NodeReadings"), ("rabbitmq-job-event-generator", "JobEvents") })
    {
        builder.AddService<Projects.HpcAspire_Generator>(name, schemaRegistry)
            .WithClusterSimulation(stream)
            .WithRabbitMQ(rabbitmq, infrastructure.RabbitMQ);
    }

    var replicas = infrastructure.RabbitMQ.Processors;
    foreach (var instance in Enumerable.Range(0, replicas))
    {
        builder.AddService<Projects.HpcAspire_Processor>(HpcServices.InstanceName("rabbitmq-processor", instance), schemaRegistry)
            .WithConfigurationSections("Cluster", "Processor")
            .WithEnvironment("Processor__InstanceId", instance.ToString())
            .WithEnvironment("Processor__Instances", replicas.ToString())
            .WithLocalData("Processor__StateDirectory", infrastructure, "processor-rabbitmq")
            .WithRabbitMQ(rabbitmq, infrastructure.RabbitMQ);
    }

    builder.AddService<Projects.HpcAspire_Sink>("rabbitmq-sink", schemaRegistry)
        .WithConfigurationSections("Sink")
        .WithLocalData("Sink__OutputDirectory", infrastructure, "sink-rabbitmq")
        .WithRabbitMQ(rabbitmq, infrastructure.RabbitMQ);
}

builder.Build().Run();

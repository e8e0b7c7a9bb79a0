using HpcAspire.AppHost.Infrastructure;
using HpcAspire.AppHost.Infrastructure.Kafka;
using HpcAspire.AppHost.Infrastructure.Kafka.Embedded;
using HpcAspire.AppHost.Infrastructure.RabbitMQ;

var builder = DistributedApplication.CreateBuilder(args);

// Containers when a container runtime answers, embedded otherwise (Infrastructure:Mode forces either).
var infrastructure = builder.AddInfrastructure();

// Kafka: N KRaft brokers with Schema Registry and Kafdrop, or librdkafka's mock cluster hosted here.
IResourceBuilder<IResourceWithConnectionString> kafka;
if (infrastructure.Mode == InfrastructureMode.Containers)
{
    var cluster = builder.AddKafkaContainers("kafka", infrastructure.Kafka);
    var schemaRegistry = builder.AddSchemaRegistry("schema-registry", cluster);
    builder.AddKafdrop("kafdrop", cluster, schemaRegistry);
    kafka = cluster;
}
else
{
    // The embedded Schema Registry, the product's own service, comes with the Avro contracts.
    kafka = builder.AddEmbeddedKafkaCluster("kafka", infrastructure.Kafka);
}

// RabbitMQ with the management UI: the rabbitmq image, or Debian's rabbitmq-server as a local process.
var rabbitmq = builder.AddRabbitMQBroker("rabbitmq", infrastructure);

builder.Build().Run();

using Confluent.SchemaRegistry;
using HpcAspire.Domain.Simulation;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Processor;
using HpcAspire.Processor.Core;
using OpenTelemetry.Metrics;

namespace Microsoft.Extensions.Hosting;

internal static class Extensions
{
    public const string KafkaConnectionName = "kafka";

    /// <summary>
    /// The cluster's nodes from <c>Cluster</c>, the processor's settings from <c>Processor</c>, and its transport from
    /// <c>Messaging:Transport</c>: Kafka clients from <c>Messaging:Kafka</c>, or RabbitMQ from <c>Messaging:RabbitMQ</c>.
    /// </summary>
    public static void AddProcessor(this IHostApplicationBuilder builder)
    {
        var cluster = builder.Configuration.GetSection("Cluster").Get<ClusterOptions>() ?? new ClusterOptions();
        var options = builder.Configuration.GetSection(ProcessorOptions.SectionName).Get<ProcessorOptions>() ?? new ProcessorOptions();
        options.Validate();

        var nodes = Enumerable.Range(0, cluster.NodeCount).Select(ClusterOptions.NodeName).ToHashSet(StringComparer.Ordinal);
        builder.Services.AddSingleton<ProcessorMetrics>();
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(ProcessorMetrics.MeterName))
            .WithTracing(tracing => tracing.AddSource(ProcessorCore.ActivitySourceName));
        if (MessagingTransports.Read(builder.Configuration) == MessagingTransport.RabbitMQ)
        {
            options.ValidateReplica();
            if (options.StateDirectory is not { Length: > 0 })
            {
                options.StateDirectory = Path.Combine(builder.Environment.ContentRootPath, ".data", "processor");
            }

            builder.AddRabbitMQMessaging();
            builder.AddSchemaRegistryClient();
            builder.Services.AddSingleton(new ProcessorSettings(options, nodes));
            builder.Services.AddHostedService<HpcAspire.Processor.RabbitMQ.RabbitMQProcessor>();
            return;
        }

        var kafka = new KafkaClientSettings();
        builder.Configuration.GetSection(KafkaClientSettings.SectionName).Bind(kafka);
        kafka.BootstrapServers = builder.Configuration.GetConnectionString(KafkaConnectionName) is { Length: > 0 } brokers ? brokers : kafka.BootstrapServers;
        kafka.SchemaRegistryUrl = builder.Configuration.GetConnectionString(KafkaHostingExtensions.SchemaRegistryConnectionName) is { Length: > 0 } registry ? registry : kafka.SchemaRegistryUrl;
        if (string.IsNullOrWhiteSpace(kafka.BootstrapServers) || string.IsNullOrWhiteSpace(kafka.SchemaRegistryUrl))
        {
            throw new InvalidOperationException($"The processor needs ConnectionStrings:{KafkaConnectionName} and ConnectionStrings:{KafkaHostingExtensions.SchemaRegistryConnectionName} (the AppHost sets them with WithReference).");
        }

        builder.Services.AddSingleton(new ProcessorSettings(options, nodes));
        builder.Services.AddSingleton(kafka);
        builder.Services.AddSingleton<ISchemaRegistryClient>(_ => new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = kafka.SchemaRegistryUrl }));
        builder.AddKafkaClientTelemetry();
        builder.Services.AddHostedService<ProcessorWorker>();
    }
}

/// <summary>What the processor is built from, on either transport.</summary>
internal sealed record ProcessorSettings(ProcessorOptions Options, IReadOnlySet<string> Nodes);

using Confluent.SchemaRegistry;
using HpcAspire.Domain.Simulation;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Processor;
using OpenTelemetry.Metrics;

namespace Microsoft.Extensions.Hosting;

internal static class Extensions
{
    public const string KafkaConnectionName = "kafka";

    /// <summary>The cluster's nodes from <c>Cluster</c>, the processor's settings from <c>Processor</c>, its Kafka clients from <c>Messaging:Kafka</c>.</summary>
    public static void AddProcessor(this IHostApplicationBuilder builder)
    {
        var cluster = builder.Configuration.GetSection("Cluster").Get<ClusterOptions>() ?? new ClusterOptions();
        var options = builder.Configuration.GetSection(ProcessorOptions.SectionName).Get<ProcessorOptions>() ?? new ProcessorOptions();
        options.Validate();

        var kafka = new KafkaClientSettings();
        builder.Configuration.GetSection(KafkaClientSettings.SectionName).Bind(kafka);
        kafka.BootstrapServers = builder.Configuration.GetConnectionString(KafkaConnectionName) is { Length: > 0 } brokers ? brokers : kafka.BootstrapServers;
        kafka.SchemaRegistryUrl = builder.Configuration.GetConnectionString(KafkaHostingExtensions.SchemaRegistryConnectionName) is { Length: > 0 } registry ? registry : kafka.SchemaRegistryUrl;
        if (string.IsNullOrWhiteSpace(kafka.BootstrapServers) || string.IsNullOrWhiteSpace(kafka.SchemaRegistryUrl))
        {
            throw new InvalidOperationException($"The processor needs ConnectionStrings:{KafkaConnectionName} and ConnectionStrings:{KafkaHostingExtensions.SchemaRegistryConnectionName} (the AppHost sets them with WithReference).");
        }

        var nodes = Enumerable.Range(0, cluster.NodeCount).Select(ClusterOptions.NodeName).ToHashSet(StringComparer.Ordinal);
        builder.Services.AddSingleton(new ProcessorSettings(options, kafka, nodes));
        builder.Services.AddSingleton<ISchemaRegistryClient>(_ => new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = kafka.SchemaRegistryUrl }));
        builder.Services.AddSingleton<ProcessorMetrics>();
        builder.AddKafkaClientTelemetry();
        builder.Services.AddHostedService<ProcessorWorker>();
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(ProcessorMetrics.MeterName))
            .WithTracing(tracing => tracing.AddSource(ProcessingSession.ActivitySourceName));
    }
}

/// <summary>What a processing session is built from.</summary>
internal sealed record ProcessorSettings(ProcessorOptions Options, KafkaClientSettings Kafka, IReadOnlySet<string> Nodes);

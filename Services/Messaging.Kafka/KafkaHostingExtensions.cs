using Avro.Specific;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Long-lived Kafka clients for a service, in the manner of Aspire's client integrations: brokers
/// from <c>ConnectionStrings:&lt;name&gt;</c>, settings from <c>Messaging:Kafka</c>, a health check,
/// librdkafka statistics as metrics and its logs in the service's log.
/// </summary>
public static class KafkaHostingExtensions
{
    public const string SchemaRegistryConnectionName = SchemaRegistryHostingExtensions.ConnectionName;

    /// <summary>
    /// An <see cref="IProducer{TKey,TValue}"/> of string keys and Avro <typeparamref name="TValue"/> values,
    /// registered under the topic's subject in the Schema Registry. Idempotent, acks=all; flushed when the host stops.
    /// </summary>
    public static IHostApplicationBuilder AddKafkaAvroProducer<TValue>(
        this IHostApplicationBuilder builder, string connectionName, Action<ProducerConfig>? configure = null)
        where TValue : ISpecificRecord, new()
    {
        var settings = builder.AddKafkaCommon(connectionName);
        var config = new ProducerConfig(settings.Producer)
        {
            BootstrapServers = settings.RequireBootstrapServers(connectionName),
            ClientId = $"{builder.Environment.ApplicationName}-{typeof(TValue).Name}-producer",
            StatisticsIntervalMs = settings.StatisticsIntervalMs,
        };
        configure?.Invoke(config); // before the defaults, which fill in only what neither configuration nor the caller set
        KafkaClientSettings.ApplyProducerDefaults(config);

        builder.Services.AddSingleton(services =>
        {
            var telemetry = services.GetRequiredService<KafkaTelemetry>();
            var logger = telemetry.LoggerFor("Producer");
            return new ProducerBuilder<string, TValue>(config)
                .SetValueSerializer(new TracedSerializer<TValue>(
                    new AvroFramedSerializer<TValue>(services.GetRequiredService<ISchemaRegistryClient>()),
                    services.GetRequiredService<PipelineStages>()))
                .SetStatisticsHandler((_, json) => telemetry.Record(json))
                .SetLogHandler((_, message) => telemetry.Log(logger, message))
                .SetErrorHandler((_, error) => logger.Log(error.IsFatal ? LogLevel.Critical : LogLevel.Warning, "Kafka producer error {Code}: {Reason}", error.Code, error.Reason))
                .Build();
        });
        builder.Services.AddHostedService(services => new ProducerFlushOnStop(services.GetRequiredService<IProducer<string, TValue>>().Flush));

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"kafka-producer-{typeof(TValue).Name}",
                services => new KafkaClientHealthCheck(services.GetRequiredService<IProducer<string, TValue>>().Handle),
                failureStatus: null, tags: null));
        }

        return builder;
    }

    /// <summary>
    /// An <see cref="IConsumer{TKey,TValue}"/> of raw values: the service decodes each message itself, so one
    /// message that cannot be decoded is that message's error (to dead-letter), not the consumer's.
    /// Offsets are committed only by the service, after its work is durable.
    /// </summary>
    public static IHostApplicationBuilder AddKafkaConsumer(
        this IHostApplicationBuilder builder, string connectionName, string groupId, Action<ConsumerConfig>? configure = null) =>
        builder.AddKafkaConsumer(connectionName, groupId, (_, _) => { }, configure);

    /// <summary>
    /// As the consumer above, with its builder handed to <paramref name="configureBuilder"/> before it is built:
    /// a service that keeps its own offsets sets its rebalance handlers there.
    /// </summary>
    public static IHostApplicationBuilder AddKafkaConsumer(
        this IHostApplicationBuilder builder, string connectionName, string groupId,
        Action<IServiceProvider, ConsumerBuilder<string?, byte[]>> configureBuilder, Action<ConsumerConfig>? configure = null)
    {
        KafkaClientRegistrations.AddConsumer(builder, builder.AddKafkaCommon(connectionName), connectionName, groupId, configureBuilder, configure);
        return builder;
    }

    /// <summary>A <see cref="DeadLetterPublisher"/> to <paramref name="topic"/>: idempotent, acks=all, each letter awaited.</summary>
    public static IHostApplicationBuilder AddKafkaDeadLetters(
        this IHostApplicationBuilder builder, string connectionName, string topic = DeadLetterPublisher.DefaultTopic)
    {
        KafkaClientRegistrations.AddDeadLetters(builder, builder.AddKafkaCommon(connectionName), connectionName, topic);
        return builder;
    }

    /// <summary>
    /// The integration's telemetry for a service that builds its own Kafka clients (e.g. transactional
    /// ones): route their logs and statistics through <see cref="KafkaTelemetry"/>.
    /// </summary>
    public static IHostApplicationBuilder AddKafkaClientTelemetry(this IHostApplicationBuilder builder)
    {
        builder.AddKafkaInstrumentation();
        return builder;
    }

    /// <summary>The integration's own meters and activity source, and the pipeline's stage timings.</summary>
    private static void AddKafkaInstrumentation(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<KafkaTelemetry>();
        builder.Services.TryAddSingleton<PipelineStages>();
        builder.Services.TryAddSingleton(services => new KafkaTracing(services.GetRequiredService<PipelineStages>(),
            MessageTracing.ParentDecides(builder.Configuration["OTEL_TRACES_SAMPLER"])));
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(KafkaTelemetry.MeterName, PipelineStages.MeterName))
            .WithTracing(tracing => tracing.AddSource(KafkaTracing.ActivitySourceName));
    }

    private static KafkaClientSettings AddKafkaCommon(this IHostApplicationBuilder builder, string connectionName)
    {
        var settings = new KafkaClientSettings();
        builder.Configuration.GetSection(KafkaClientSettings.SectionName).Bind(settings);
        if (builder.Configuration.GetConnectionString(connectionName) is { Length: > 0 } brokers)
        {
            settings.BootstrapServers = brokers;
        }

        if (builder.Configuration.GetConnectionString(SchemaRegistryConnectionName) is { Length: > 0 } registry)
        {
            settings.SchemaRegistryUrl = registry;
        }

        builder.AddKafkaInstrumentation();
        builder.Services.TryAddSingleton<ISchemaRegistryClient>(_ =>
            new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = settings.RequireSchemaRegistryUrl() }));
        return settings;
    }
}

using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Diagnostics.Metrics;

namespace HpcAspire.Messaging.Kafka;

/// <summary>The bodies of the registrations that <c>KafkaHostingExtensions</c> exposes for dead letters and rebalance-aware consumers.</summary>
internal static class KafkaClientRegistrations
{
    public static void AddDeadLetters(IHostApplicationBuilder builder, KafkaClientSettings settings, string connectionName, string topic)
    {
        var config = new ProducerConfig(settings.Producer)
        {
            BootstrapServers = settings.RequireBootstrapServers(connectionName),
            ClientId = $"{builder.Environment.ApplicationName}-dead-letters-producer",
            StatisticsIntervalMs = settings.StatisticsIntervalMs,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 0, // each letter is awaited on its own: batching would only delay the consumer
        };
        var service = builder.Environment.ApplicationName;
        builder.Services.AddSingleton(services =>
        {
            var telemetry = services.GetRequiredService<KafkaTelemetry>();
            var logger = telemetry.LoggerFor("DeadLetters");
            var producer = new ProducerBuilder<string?, byte[]>(config)
                .SetStatisticsHandler((_, json) => telemetry.Record(json))
                .SetLogHandler((_, message) => telemetry.Log(logger, message))
                .SetErrorHandler((_, error) => logger.Log(error.IsFatal ? LogLevel.Critical : LogLevel.Warning, "Kafka dead-letter producer error {Code}: {Reason}", error.Code, error.Reason))
                .Build();
            return new DeadLetterPublisher(producer, service, services.GetRequiredService<IMeterFactory>(), topic);
        });
    }

    public static void AddConsumer(IHostApplicationBuilder builder, KafkaClientSettings settings, string connectionName, string groupId,
        Action<IServiceProvider, ConsumerBuilder<string?, byte[]>> configureBuilder, Action<ConsumerConfig>? configure)
    {
        var config = new ConsumerConfig(settings.Consumer)
        {
            BootstrapServers = settings.RequireBootstrapServers(connectionName),
            GroupId = groupId,
            ClientId = $"{builder.Environment.ApplicationName}-{groupId}-consumer",
            StatisticsIntervalMs = settings.StatisticsIntervalMs,
        };
        configure?.Invoke(config); // before the defaults, as for producers
        KafkaClientSettings.ApplyConsumerDefaults(config);

        builder.Services.AddSingleton(services =>
        {
            var telemetry = services.GetRequiredService<KafkaTelemetry>();
            var logger = telemetry.LoggerFor("Consumer");
            var consumerBuilder = new ConsumerBuilder<string?, byte[]>(config)
                .SetStatisticsHandler((_, json) => telemetry.Record(json))
                .SetLogHandler((_, message) => telemetry.Log(logger, message))
                .SetErrorHandler((_, error) => logger.Log(error.IsFatal ? LogLevel.Critical : LogLevel.Warning, "Kafka consumer error {Code}: {Reason}", error.Code, error.Reason));
            configureBuilder(services, consumerBuilder);
            return consumerBuilder.Build();
        });

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"kafka-consumer-{groupId}",
                services => new KafkaClientHealthCheck(services.GetRequiredService<IConsumer<string?, byte[]>>().Handle),
                failureStatus: null, tags: null));
        }
    }
}

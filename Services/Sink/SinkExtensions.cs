using Confluent.SchemaRegistry;
using HpcAspire.Contracts;
using HpcAspire.Framing;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Sink;
using HpcAspire.Sink.Core;
using HpcAspire.Sink.Storage;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

internal static class SinkExtensions
{
    public const string KafkaConnectionName = "kafka";

    /// <summary>
    /// The CSV files under <c>Sink:OutputDirectory</c>, fed by the consumer of the processor's results on the transport
    /// <c>Messaging:Transport</c> names, with its dead letters.
    /// </summary>
    public static void AddSink(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(SinkOptions.SectionName);
        var options = section.Get<SinkOptions>() ?? new SinkOptions();
        options.Validate();
        if (options.OutputDirectory is not { Length: > 0 })
        {
            options.OutputDirectory = Path.Combine(builder.Environment.ContentRootPath, ".data", "sink");
        }

        builder.Services.Configure<SinkOptions>(section);
        builder.Services.PostConfigure<SinkOptions>(o => o.OutputDirectory = options.OutputDirectory);
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(SinkMetrics.MeterName))
            .WithTracing(tracing => tracing.AddSource(SinkCore.ActivitySourceName));

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SinkMetrics>();
        builder.Services.AddSingleton<IReadOnlyDictionary<string, IResultTopic>>(services =>
        {
            var registry = services.GetRequiredService<ISchemaRegistryClient>();
            return new[]
            {
                ResultTopics.EnrichedReadings(options.EnrichedReadingsTopic, new AvroMessageDecoder<EnrichedReading>(registry)),
                ResultTopics.JobEnergy(options.JobEnergyTopic, new AvroMessageDecoder<JobEnergy>(registry)),
            }.ToDictionary(t => t.Topic);
        });

        var rabbitmq = MessagingTransports.Read(builder.Configuration) == MessagingTransport.RabbitMQ;
        builder.Services.AddSingleton(services => new SinkCore(services.GetRequiredService<IReadOnlyDictionary<string, IResultTopic>>(),
            services.GetRequiredService<SinkMetrics>(), services.GetRequiredService<PipelineStages>(), batches: rabbitmq));
        if (rabbitmq)
        {
            builder.AddRabbitMQMessaging();
            builder.AddSchemaRegistryClient();
            builder.Services.AddHostedService<RabbitMQSinkConsumer>();
            return;
        }

        builder.AddKafkaConsumer(KafkaConnectionName, options.ConsumerGroup, (services, consumer) =>
        {
            // Resolved lazily: the handlers run inside Consume, long after the container is built.
            consumer
                .SetPartitionsAssignedHandler((_, assigned) => services.GetRequiredService<AssignedPartitions>().Assign(assigned))
                .SetPartitionsRevokedHandler((c, revoked) => services.GetRequiredService<AssignedPartitions>().Revoke(c, revoked.Select(p => p.TopicPartition)))
                .SetPartitionsLostHandler((_, lost) => services.GetRequiredService<AssignedPartitions>().Lose(lost.Select(p => p.TopicPartition)));
        });
        builder.AddKafkaDeadLetters(KafkaConnectionName);
        builder.Services.AddSingleton(services => new AssignedPartitions(
            services.GetRequiredService<IReadOnlyDictionary<string, IResultTopic>>(), options.OutputDirectory,
            new FileRotation(options.MaxFileBytes, options.MaxFileAge), options.DuplicateWindow, services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<AssignedPartitions>>()));
        builder.Services.AddHostedService<SinkWorker>();
    }
}

using Confluent.Kafka;
using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;
using HpcAspire.Generator;
using HpcAspire.Messaging;

namespace Microsoft.Extensions.Hosting;

internal static class Extensions
{
    public const string KafkaConnectionName = "kafka";

    /// <summary>
    /// The simulation from <c>Cluster</c>, the pacing from <c>Generator</c>, and the publisher of the chosen stream on the
    /// transport <c>Messaging:Transport</c> names (Kafka, or RabbitMQ).
    /// </summary>
    public static void AddGenerator(this IHostApplicationBuilder builder)
    {
        var cluster = builder.Configuration.GetSection("Cluster").Get<ClusterOptions>() ?? new ClusterOptions();
        if (builder.Configuration["Cluster:StartTime"] is { } configuredStart)
        {
            // The binder parses an ISO time into local time; the simulation keeps UTC.
            cluster = cluster with { StartTime = DateTime.Parse(configuredStart, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal) };
        }
        else
        {
            // Live runs stamp readings with the wall clock; a reproducible run sets Cluster:StartTime.
            var now = DateTime.UtcNow;
            cluster = cluster with { StartTime = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc) };
        }

        cluster.Validate();
        builder.Services.AddSingleton(cluster);

        var generator = builder.Configuration.GetSection(GeneratorOptions.SectionName).Get<GeneratorOptions>() ?? new GeneratorOptions();
        generator.Validate();
        builder.Services.Configure<GeneratorOptions>(builder.Configuration.GetSection(GeneratorOptions.SectionName));

        if (MessagingTransports.Read(builder.Configuration) == MessagingTransport.RabbitMQ)
        {
            builder.AddRabbitMQMessaging();
            builder.AddSchemaRegistryClient();
            builder.Services.AddSingleton<ITickPublisher>(services => new RabbitMQTickPublisher(
                services.GetRequiredService<HpcAspire.Messaging.RabbitMQ.RabbitMQPublisher>(), services.GetRequiredService<HpcAspire.Messaging.RabbitMQ.HpcTopology>(),
                services.GetRequiredService<Confluent.SchemaRegistry.ISchemaRegistryClient>(),
                generator.Stream, services.GetRequiredService<ILogger<RabbitMQTickPublisher>>()));
        }
        else if (generator.Stream == GeneratedStream.NodeReadings)
        {
            builder.AddKafkaAvroProducer<NodeReading>(KafkaConnectionName);
            builder.Services.AddSingleton<ITickPublisher>(services => new KafkaNodeReadingPublisher(new KafkaPublisher<NodeReading>(
                services.GetRequiredService<IProducer<string, NodeReading>>(), generator.TopicOrDefault,
                services.GetRequiredService<PipelineStages>(), services.GetRequiredService<ILogger<KafkaNodeReadingPublisher>>())));
        }
        else
        {
            // Few records a tick, each clock holding back every reading of its tick in the processor: they are sent at once
            // (5 ms, now also every producer's default) rather than lingering for a batch to fill, which at 50 ms and
            // 50,000 readings/s was 2,500 readings more waiting; kept here so a Producer:linger.ms given for the readings does not hold clocks back.
            builder.AddKafkaAvroProducer<JobEvent>(KafkaConnectionName, config => config.LingerMs ??= 5);
            builder.Services.AddSingleton<ITickPublisher>(services => new KafkaJobEventPublisher(new KafkaPublisher<JobEvent>(
                services.GetRequiredService<IProducer<string, JobEvent>>(), generator.TopicOrDefault,
                services.GetRequiredService<PipelineStages>(), services.GetRequiredService<ILogger<KafkaJobEventPublisher>>())));
        }

        builder.Services.AddHostedService<GeneratorWorker>();
    }
}

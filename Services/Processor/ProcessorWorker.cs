using HpcAspire.Messaging.Kafka;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using System.Diagnostics.Metrics;

namespace HpcAspire.Processor;

/// <summary>
/// Runs processing sessions one after another: a session that meets an error it cannot go on from
/// (an aborted or fenced transaction, a lost assignment) is thrown away whole, with its in-memory
/// state, and the next one starts again from the committed snapshots and offsets.
/// </summary>
internal sealed class ProcessorWorker(
    ProcessorSettings settings, KafkaClientSettings kafka, ISchemaRegistryClient registry, ProcessorMetrics metrics, IMeterFactory meterFactory,
    KafkaTelemetry telemetry, KafkaTracing tracing, ILoggerFactory loggerFactory, ILogger<ProcessorWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var session = new ProcessingSession(settings, kafka, registry, metrics, meterFactory, telemetry, tracing, loggerFactory.CreateLogger<ProcessingSession>());
                session.Run(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is KafkaException or SessionRestartException)
            {
                metrics.Aborts.Add(1);
                logger.LogError(ex, "Processing session failed; starting a new one from the committed snapshots");
                stoppingToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            }
        }
    }
}

/// <summary>The session cannot go on consistently; a new one restores from the committed state.</summary>
internal sealed class SessionRestartException(string message, Exception? inner = null) : Exception(message, inner);

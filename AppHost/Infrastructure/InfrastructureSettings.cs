using Microsoft.Extensions.Configuration;

namespace HpcAspire.AppHost.Infrastructure;

/// <summary>
/// The infrastructure the AppHost builds, read from configuration and validated once at start.
/// Every bad value stops the AppHost with a message naming the setting and the fix.
/// </summary>
public sealed record InfrastructureSettings
{
    public const string ModeKey = "Infrastructure:Mode";
    public const string DataDirectoryKey = "Infrastructure:DataDirectory";
    public const string TransportsKey = "Application:Transports";

    public required InfrastructureMode Mode { get; init; }

    /// <summary>Why <see cref="Mode"/> was chosen, for the start-up log.</summary>
    public required string ModeReason { get; init; }

    /// <summary>
    /// The container runtime that answered when the AppHost looked for one and none was configured (podman when only
    /// Podman runs): DCP is told to use it, since by itself it would try docker. Null when configured or not probed.
    /// </summary>
    public string? DetectedContainerRuntime { get; init; }

    /// <summary>Where embedded brokers keep their data, logs and home directories.</summary>
    public required string DataDirectory { get; init; }

    public required KafkaSettings Kafka { get; init; }

    public required RabbitMQSettings RabbitMQ { get; init; }

    /// <summary>The applications to run: over Kafka, over RabbitMQ, or both side by side.</summary>
    public required ApplicationTransports Transports { get; init; }

    /// <summary>Processor instances, each with its own transactional id (processor-0 …).</summary>
    public required int ProcessorInstances { get; init; }

    public static InfrastructureSettings Load(IConfiguration configuration, bool isPublishMode, string appHostDirectory, IContainerRuntimeProbe probe)
    {
        var requested = ParseMode(configuration[ModeKey]);
        var (mode, reason) = (isPublishMode, requested) switch
        {
            (true, _) => (InfrastructureMode.Containers, "publishing always describes containers mode"),
            (false, InfrastructureMode.Auto) => probe.Probe() is var runtime && runtime.IsHealthy
                ? (InfrastructureMode.Containers, $"auto: {runtime.Description}")
                : (InfrastructureMode.Embedded, $"auto: {runtime.Description}"),
            (false, var forced) => (forced, $"forced by {ModeKey}={forced}"),
        };

        // Containers in run mode need the runtime that answers; a forced mode asks too, only to find which one.
        var detected = !isPublishMode && mode == InfrastructureMode.Containers && probe.Probe() is { IsHealthy: true, IsConfigured: false } found
            ? found.Runtime
            : null;

        var dataDirectory = configuration[DataDirectoryKey] is { Length: > 0 } configured
            ? Path.GetFullPath(configured, appHostDirectory)
            : Path.Combine(appHostDirectory, ".data");

        return new InfrastructureSettings
        {
            Mode = mode,
            ModeReason = reason,
            DetectedContainerRuntime = detected,
            DataDirectory = dataDirectory,
            Kafka = KafkaSettings.Load(configuration.GetSection(KafkaSettings.SectionName)),
            RabbitMQ = RabbitMQSettings.Load(configuration.GetSection(RabbitMQSettings.SectionName)),
            ProcessorInstances = ParseProcessorInstances(configuration["Processor:Instances"]),
            Transports = ParseTransports(configuration[TransportsKey]),
        };
    }

    private static ApplicationTransports ParseTransports(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return ApplicationTransports.Both;
        }

        return Enum.TryParse<ApplicationTransports>(value, ignoreCase: true, out var transports) && Enum.IsDefined(transports)
            ? transports
            : throw new InfrastructureConfigurationException(
                $"{TransportsKey} is '{value}', which is not an application choice. Set it to Kafka, RabbitMQ or Both (or remove it for Both).");
    }

    private static int ParseProcessorInstances(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return 1;
        }

        return int.TryParse(value, out var instances) && instances is >= 1 and <= 4
            ? instances
            : throw new InfrastructureConfigurationException(
                $"Processor:Instances is '{value}'. Set it between 1 and 4: each instance needs one of the transactional ids processor-0 … processor-3 in Kafka:TransactionalIds.");
    }

    private static InfrastructureMode ParseMode(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return InfrastructureMode.Auto;
        }

        return Enum.TryParse<InfrastructureMode>(value, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
            ? mode
            : throw new InfrastructureConfigurationException(
                $"{ModeKey} is '{value}', which is not a mode. Set it to Auto, Containers or Embedded (or remove it for Auto).");
    }
}

/// <summary>A configuration value the AppHost cannot start with; the message says which and how to fix it.</summary>
public sealed class InfrastructureConfigurationException(string message) : Exception(message);

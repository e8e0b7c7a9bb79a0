using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HpcAspire.AppHost.Infrastructure;

internal static class InfrastructureBuilderExtensions
{
    internal const string DcpContainerRuntimeKey = "DcpPublisher:ContainerRuntime";

    /// <summary>
    /// Reads and validates the infrastructure settings, chooses the mode, and logs the choice
    /// and its reason when the AppHost starts.
    /// </summary>
    public static InfrastructureSettings AddInfrastructure(this IDistributedApplicationBuilder builder, IContainerRuntimeProbe? probe = null)
    {
        var settings = InfrastructureSettings.Load(
            builder.Configuration, builder.ExecutionContext.IsPublishMode, builder.AppHostDirectory, probe ?? new ContainerRuntimeProbe(builder.Configuration));

        // DCP reads its runtime from DcpPublisher:ContainerRuntime, then ASPIRE_CONTAINER_RUNTIME, and otherwise tries
        // docker: a machine with only Podman would choose containers mode here and then fail to start every container.
        if (settings.DetectedContainerRuntime is { } runtime && string.IsNullOrEmpty(builder.Configuration[DcpContainerRuntimeKey]))
        {
            builder.Configuration[DcpContainerRuntimeKey] = runtime;
        }

        builder.Services.AddSingleton(settings);
        builder.Services.AddPromptReadiness();
        builder.ReportStartupProgress();
        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            var logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HpcAspire.Infrastructure");
            logger.LogInformation("Infrastructure mode: {Mode} ({Reason})", settings.Mode, settings.ModeReason);
            if (settings.Mode == InfrastructureMode.Embedded)
            {
                logger.LogInformation("Kafdrop is not available in embedded mode: it needs its container. Run with Docker or Podman to get it.");
            }

            return Task.CompletedTask;
        });
        return settings;
    }
}

namespace HpcAspire.AppHost.Infrastructure;

/// <summary>
/// The standard OpenTelemetry sampler settings, given to the AppHost (environment or command line),
/// passed on to a service: unset, every trace is kept; <c>OTEL_TRACES_SAMPLER=parentbased_traceidratio</c>
/// with <c>OTEL_TRACES_SAMPLER_ARG=0.01</c> keeps 1 % of readings' traces whole, for benchmarks;
/// <c>always_off</c> keeps none. The service's OpenTelemetry SDK reads them itself.
/// </summary>
internal static class TraceSampling
{
    // HPCASPIRE_METRICS_DIRECTORY: where each service writes its latency histograms for benchmarks (ServiceDefaults/HistogramFile).
    private static readonly string[] Settings = ["OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "HPCASPIRE_METRICS_DIRECTORY"];

    public static IResourceBuilder<ProjectResource> WithTraceSampling(this IResourceBuilder<ProjectResource> service)
    {
        foreach (var setting in Settings)
        {
            if (service.ApplicationBuilder.Configuration[setting] is { Length: > 0 } value)
            {
                service.WithEnvironment(setting, value);
            }
        }

        return service;
    }
}

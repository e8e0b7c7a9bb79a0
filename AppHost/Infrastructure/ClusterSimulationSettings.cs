using Microsoft.Extensions.Configuration;

namespace HpcAspire.AppHost.Infrastructure;

internal static class ClusterSimulationSettings
{
    /// <summary>
    /// Gives a generator the AppHost's <c>Cluster</c> and <c>Generator</c> sections and one start time shared by all
    /// generators: the same simulation in each, so readings and jobs agree. Without a configured
    /// <c>Cluster:StartTime</c> it is the AppHost's start, and generators keep to the wall clock.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithClusterSimulation(this IResourceBuilder<ProjectResource> generator, string stream)
    {
        var configuration = generator.ApplicationBuilder.Configuration;
        var fixedStart = configuration["Cluster:StartTime"];
        if (fixedStart is null && generator.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            // A deployment says when its cluster's simulated time begins, once for all generators.
            generator.WithEnvironment("Cluster__StartTime", StartTimeParameter(generator.ApplicationBuilder));
        }
        else if (fixedStart is null)
        {
            generator.WithEnvironment("Cluster__StartTime", LiveStartTime.Value.ToString("O"));
        }

        return generator
            .WithConfigurationSections("Cluster", "Generator")
            .WithEnvironment("Generator__Stream", stream)
            .WithEnvironment("Generator__AlignToWallClock", configuration["Generator:AlignToWallClock"] ?? (fixedStart is null).ToString());
    }

    /// <summary>Passes the AppHost's configuration sections on to a service as its environment.</summary>
    public static IResourceBuilder<ProjectResource> WithConfigurationSections(this IResourceBuilder<ProjectResource> service, params string[] sections)
    {
        var configuration = service.ApplicationBuilder.Configuration;
        foreach (var section in sections)
        {
            foreach (var setting in configuration.GetSection(section).AsEnumerable(true).Where(s => s.Value is not null))
            {
                service.WithEnvironment($"{section}__{setting.Key.Replace(":", "__")}", setting.Value);
            }
        }

        return service;
    }

    private static IResourceBuilder<ParameterResource> StartTimeParameter(IDistributedApplicationBuilder builder)
    {
        const string name = "cluster-start-time";
        return builder.Resources.OfType<ParameterResource>().FirstOrDefault(p => p.Name == name) is { } existing
            ? builder.CreateResourceBuilder(existing)
            : builder.AddParameter(name).WithDescription("UTC time (ISO 8601) at which the simulated cluster's tick 0 happens, shared by both generators.");
    }

    private static readonly Lazy<DateTime> LiveStartTime = new(() =>
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    });
}

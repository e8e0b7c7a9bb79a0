using HpcAspire.SchemaRegistry;
using HpcAspire.SchemaRegistry.Http;
using HpcAspire.SchemaRegistry.Storage;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Microsoft.Extensions.Hosting;

/// <summary>The embedded Schema Registry as one service: its store, its metrics and its REST API.</summary>
public static class SchemaRegistryExtensions
{
    public static TBuilder AddSchemaRegistry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var contentRoot = builder.Environment.ContentRootPath;
        builder.Services.AddOptions<SchemaRegistryOptions>()
            .BindConfiguration(SchemaRegistryOptions.SectionName)
            .PostConfigure(options => options.DataDirectory = string.IsNullOrWhiteSpace(options.DataDirectory)
                ? Path.Combine(contentRoot, ".data", "schema-registry")
                : Path.GetFullPath(options.DataDirectory, contentRoot));

        builder.Services.AddSingleton<SchemaRegistryMetrics>();
        builder.Services.AddSingleton(services => RegistryJournal.Open(
            services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value.DataDirectory!,
            services.GetRequiredService<ILogger<RegistryJournal>>()));
        builder.Services.AddSingleton<SchemaStore>();

        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(SchemaRegistryMetrics.MeterName));
        return builder;
    }

    public static WebApplication MapSchemaRegistry(this WebApplication app)
    {
        // Load the journal now: a corrupt or locked data directory should stop the service at
        // start-up, not fail the first client that happens to register a schema.
        app.Services.GetRequiredService<SchemaStore>();
        app.MapSchemaRegistryEndpoints();
        return app;
    }
}

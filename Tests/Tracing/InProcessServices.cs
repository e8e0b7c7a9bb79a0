using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HpcAspire.Tests.Tracing;

/// <summary>
/// The services' own hosting code (AddGenerator, AddProcessor, AddSink) in hosts inside the test
/// process, so one in-memory exporter sees the spans of all of them. The Kafka hops between them
/// are real: trace context crosses them only in message headers.
/// </summary>
internal static class InProcessServices
{
    public static IHost Build(Action<IHostApplicationBuilder> addService, string applicationName, string bootstrapServers, string registryUrl,
        params string[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = applicationName,
            ContentRootPath = Directory.CreateTempSubdirectory("hpcaspire-tracing-").FullName,
            DisableDefaults = true,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = bootstrapServers,
            ["ConnectionStrings:schema-registry"] = registryUrl,
            ["Messaging:Kafka:StatisticsIntervalMs"] = "0",
            ["Messaging:Kafka:Consumer:fetch.wait.max.ms"] = "20",
        });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => s.Split('=', 2)).ToDictionary(kv => kv[0], kv => (string?)kv[1]));
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        addService(builder);
        return builder.Build();
    }
}

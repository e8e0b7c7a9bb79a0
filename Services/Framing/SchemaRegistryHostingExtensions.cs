using Confluent.SchemaRegistry;
using HpcAspire.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

public static class SchemaRegistryHostingExtensions
{
    public const string ConnectionName = "schema-registry";

    /// <summary>
    /// The Schema Registry client alone, from <c>ConnectionStrings:schema-registry</c>, for a service whose Avro bodies
    /// travel without a Kafka client (the RabbitMQ application): the same subjects, the same schema ids.
    /// </summary>
    public static IHostApplicationBuilder AddSchemaRegistryClient(this IHostApplicationBuilder builder)
    {
        var url = builder.Configuration.GetConnectionString(ConnectionName);
        builder.Services.TryAddSingleton<PipelineStages>();
        builder.Services.TryAddSingleton<ISchemaRegistryClient>(_ => string.IsNullOrWhiteSpace(url)
            ? throw new InvalidOperationException($"No Schema Registry: set ConnectionStrings:{ConnectionName} (the AppHost does this with WithReference).")
            : new CachedSchemaRegistryClient(new SchemaRegistryConfig { Url = url }));
        return builder;
    }
}

namespace HpcAspire.AppHost.Infrastructure;

internal static class ServiceSettings
{
    /// <summary>
    /// Points a service's data setting at <c>&lt;Infrastructure:DataDirectory&gt;/&lt;folder&gt;</c> when run locally; a
    /// deployment leaves the service's default, under the volume its image mounts.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithLocalData(this IResourceBuilder<ProjectResource> service, string variable,
        InfrastructureSettings infrastructure, string folder) =>
        service.WithEnvironment(context =>
        {
            if (context.ExecutionContext.IsRunMode)
            {
                context.EnvironmentVariables[variable] = Path.Combine(infrastructure.DataDirectory, folder);
            }
        });

    /// <summary>
    /// The service's Kafka cluster, referenced and waited for. A cluster that failed to start fails the service's start
    /// too, rather than leaving it Waiting without a word.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithKafka(this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString> kafka) =>
        service.WithReference(kafka).WaitFor(kafka, WaitBehavior.StopOnResourceUnavailable);

    /// <summary>
    /// Runs the service's RabbitMQ adapters; every service of that application must agree on the reading shards and the
    /// processor replicas, whose queues each of them declares.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithRabbitMQTransport(this IResourceBuilder<ProjectResource> service, RabbitMQSettings rabbitmq) =>
        service
            .WithEnvironment("Messaging__Transport", "RabbitMQ")
            .WithEnvironment("Messaging__RabbitMQ__ReadingShards", rabbitmq.ReadingShards.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Messaging__RabbitMQ__Processors", rabbitmq.Processors.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// Lets the runtime optimise a service's hot code as soon as it is hot. By default tiered compilation counts calls
    /// only after 100 ms without any new method compiled (<c>TC_CallCountingDelayMs</c>); with every service starting
    /// at once on two cores that quiet moment hardly came, and the message loops ran unoptimised for the first 15–20 s
    /// of a run, 1,000–2,000 readings/s instead of 40,000 (`pipeline 40000`, docs/benchmarks.md). Local runs only:
    /// a deployment gives each service CPU of its own and keeps the runtime's default.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPromptTiering(this IResourceBuilder<ProjectResource> service) =>
        service.WithEnvironment(context =>
        {
            if (context.ExecutionContext.IsRunMode)
            {
                context.EnvironmentVariables["DOTNET_TC_CallCountingDelayMs"] = "0";
            }
        });
}

using HpcAspire.Tests.Support;
using Confluent.Kafka;
using HpcAspire.AppHost.Infrastructure.Kafka.Embedded;
using HpcAspire.Tests.SchemaRegistry;

namespace HpcAspire.Tests.Sink;

/// <summary>What a sink needs around it: a 3-broker mock cluster with the processor's topics, a registry, an output directory.</summary>
internal sealed class SinkPipeline : IAsyncDisposable
{
    public const string EnrichedReadings = "enriched-readings";
    public const string JobEnergy = "job-energy";
    public const string DeadLetters = "dead-letters";

    private readonly MockKafkaCluster _cluster = new(log: (_, _, _) => { });
    private readonly TemporaryDirectory _registryData = new();

    private SinkPipeline()
    {
        BootstrapServers = _cluster.Start(3);
        _cluster.CreateTopic(EnrichedReadings, 6, 3);
        _cluster.CreateTopic(JobEnergy, 3, 3);
        _cluster.CreateTopic(DeadLetters, 1, 3);
        Registry = SchemaRegistryServer.Start(_registryData.Path);
        Output = new SinkOutput(System.IO.Directory.CreateTempSubdirectory("hpcaspire-sink-").FullName);
    }

    public string BootstrapServers { get; }

    public SchemaRegistryServer Registry { get; }

    public SinkOutput Output { get; }

    public static SinkPipeline Start() => new();

    public ServiceProcess StartSink(params string[] settings) =>
        ServiceProcess.Start("Sink", BootstrapServers, Registry.Url.ToString(), [$"--Sink:OutputDirectory={Output.Directory}", .. settings]);

    public IProducer<string, byte[]> CreateProducer() => new ProducerBuilder<string, byte[]>(new ProducerConfig
    {
        BootstrapServers = BootstrapServers, Acks = Acks.All, EnableIdempotence = true, LingerMs = 5,
    }).SetLogHandler((_, _) => { }).Build();

    public async ValueTask DisposeAsync()
    {
        await Registry.DisposeAsync();
        _registryData.Dispose();
        _cluster.Dispose();
        System.IO.Directory.Delete(Output.Directory, recursive: true);
    }
}

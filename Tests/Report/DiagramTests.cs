using System.Buffers.Binary;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HpcAspire.AppHost.Infrastructure;
using HpcAspire.AppHost.Infrastructure.Kafka;
using HpcAspire.AppHost.Infrastructure.RabbitMQ;
using HpcAspire.Messaging.RabbitMQ;
using HpcAspire.Tests.Kubernetes;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace HpcAspire.Tests.Report;

/// <summary>
/// The architecture diagrams (docs/diagrams/*.mmd, rendered by docs/diagrams/render.sh into docs/images/diagram-*):
/// rendered and committed, and naming what the code configures. No browser needed: the rendered files are checked as
/// files, the sources against the AppHost's own settings and constants.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public partial class DiagramTests
{
    private const string RenderCommand = "bash docs/diagrams/render.sh";

    private static readonly string Diagrams = Path.Combine(RepositoryFiles.Root, "docs", "diagrams");
    private static readonly string Images = Path.Combine(RepositoryFiles.Root, "docs", "images");

    public static TheoryData<string> Sources() => new(SourceNames());

    [Fact]
    public void The_component_diagram_and_the_deployment_view_exist()
    {
        var names = SourceNames();
        Assert.Contains("components", names);
        Assert.Contains("deployment", names);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Every_diagram_is_rendered_to_a_png_of_readable_size(string name)
    {
        var png = Path.Combine(Images, $"diagram-{name}.png");
        Assert.True(File.Exists(png), $"{png} is missing. Render it: {RenderCommand}");

        var bytes = File.ReadAllBytes(png);
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(bytes.Length > 33 && bytes.AsSpan(0, 8).SequenceEqual(signature), $"{png} is not a PNG file. Render it again: {RenderCommand}");

        // IHDR is the first chunk: width and height, big-endian, at bytes 16 and 20.
        var width = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4));
        var height = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4));
        Assert.True(width >= 600 && height >= 300, $"{png} is {width}×{height} px: too small to read. Render it again: {RenderCommand}");
        Assert.True(bytes.Length > 20_000, $"{png} has only {bytes.Length} bytes: an empty picture. Render it again: {RenderCommand}");
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Every_diagram_is_rendered_to_an_svg_holding_every_label_of_its_source(string name)
    {
        var svgPath = Path.Combine(Images, $"diagram-{name}.svg");
        Assert.True(File.Exists(svgPath), $"{svgPath} is missing. Render it: {RenderCommand}");
        var svg = WebUtility.HtmlDecode(File.ReadAllText(svgPath));
        Assert.StartsWith("<svg", svg.TrimStart());

        // A label changed in the source and not rendered again is missing from the picture.
        var stale = Labels(File.ReadAllText(Path.Combine(Diagrams, $"{name}.mmd"))).Where(line => !svg.Contains(line, StringComparison.Ordinal)).ToArray();
        Assert.True(stale.Length == 0, $"{svgPath} is older than its source; these labels are not in it: {string.Join(" | ", stale)}. Render it again: {RenderCommand}");
    }

    [Fact]
    public void The_component_diagram_names_every_topic_with_its_partition_count()
    {
        var components = Source("components");
        var topics = AppHostKafkaSettings().Topics;
        Assert.NotEmpty(topics);
        foreach (var (topic, partitions) in topics)
        {
            var expected = $"{topic} · {partitions} partition{(partitions == 1 ? "" : "s")}";
            Assert.True(components.Contains(expected, StringComparison.Ordinal),
                $"components.mmd does not show Kafka topic '{expected}' (AppHost/appsettings.json, Kafka:Topics). Add or correct it, then run {RenderCommand}");
        }
    }

    [Fact]
    public void Both_diagrams_name_every_broker_and_the_replication_settings()
    {
        var settings = AppHostKafkaSettings();
        foreach (var name in new[] { "components", "deployment" })
        {
            var source = Source(name);
            foreach (var broker in Enumerable.Range(1, settings.Brokers).Select(id => KafkaClusterBuilderExtensions.BrokerName("kafka", id)))
            {
                Assert.Contains(broker, source);
            }
        }

        Assert.Contains($"replication factor {settings.ReplicationFactor}", Source("components"));
        Assert.Contains($"min.insync.replicas {settings.MinInsyncReplicas}", Source("components"));
    }

    [Fact]
    public void The_component_diagram_names_every_exchange_and_queue_of_the_RabbitMQ_topology()
    {
        var components = Source("components");
        var shards = new RabbitMQSettings().ReadingShards;
        string[] names =
        [
            HpcTopology.TelemetryExchange, HpcTopology.EnergyPartsExchange, HpcTopology.ResultsExchange,
            HpcTopology.DeadLetterExchange, HpcTopology.DeadLetterQueue, HpcTopology.SinkQueue,
            HpcTopology.JobEventBinding, HpcTopology.SchedulerClockKey,
            .. Enumerable.Range(0, shards).Select(HpcTopology.ReadingShardQueue),
            // One queue per processor instance: the diagram writes the instance as i (or j, the job's owner).
            Placeholder(HpcTopology.JobEventsQueue(0), "i"), Placeholder(HpcTopology.EnergyPartsQueue(0), "j"),
            Placeholder(HpcTopology.EnergyPartsKey(0), "j"), Placeholder(HpcTopology.EnrichedReadingsKey(0), "i"),
            HpcTopology.JobEnergyKeyPrefix,
        ];
        var missing = names.Where(name => !components.Contains(name, StringComparison.Ordinal)).ToArray();
        Assert.True(missing.Length == 0, $"components.mmd lacks these names of HpcTopology: {string.Join(", ", missing)}");
        Assert.Contains($"mod {shards}", components);
    }

    [Fact]
    public void The_diagrams_name_the_images_and_ports_the_AppHost_configures()
    {
        var components = Source("components");
        var deployment = Source("deployment");
        string[] images =
        [
            $"{KafkaClusterBuilderExtensions.KafkaImage}:{KafkaClusterBuilderExtensions.ConfluentPlatformTag}",
            $"{SchemaRegistryBuilderExtensions.Image}:{KafkaClusterBuilderExtensions.ConfluentPlatformTag}",
            $"{KafdropBuilderExtensions.Image}:{KafdropBuilderExtensions.Tag}",
            $"rabbitmq:{RabbitMQBrokerBuilderExtensions.ContainerImageTag}",
        ];
        foreach (var image in images)
        {
            Assert.Contains(image, deployment);
        }

        Assert.Contains($":{KafkaBrokerResource.HostPort}", deployment);
        Assert.Contains($":{KafkaBrokerResource.InternalPort}", deployment);
        Assert.Contains($":{KafkaBrokerResource.ControllerPort}", deployment);
        Assert.Contains($":{KafkaBrokerResource.InternalPort}", components);
        Assert.Contains($":{SchemaRegistryResource.Port}", components);
        Assert.Contains($":{SchemaRegistryResource.Port}", deployment);

        // The dashboard's ports as the AppHost's launch profile sets them.
        foreach (var port in DashboardPorts())
        {
            Assert.Contains($":{port}", components);
        }
    }

    [Fact]
    public void The_architecture_page_embeds_every_rendered_diagram_and_links_its_source()
    {
        var page = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "architecture.md"));
        foreach (var name in SourceNames())
        {
            Assert.Contains($"](images/diagram-{name}.png)", page);
            Assert.Contains($"](diagrams/{name}.mmd)", page);
        }

        Assert.Contains(RenderCommand, page);
    }

    private static string[] SourceNames() =>
        [.. Directory.GetFiles(Diagrams, "*.mmd").Select(path => Path.GetFileNameWithoutExtension(path)).Order()];

    private static string Source(string name) => File.ReadAllText(Path.Combine(Diagrams, $"{name}.mmd"));

    private static string Placeholder(string name, string instance) => name[..^1] + instance;

    /// <summary>The Kafka settings as the AppHost reads them from its appsettings.json.</summary>
    private static KafkaSettings AppHostKafkaSettings()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepositoryFiles.Root, "AppHost", "appsettings.json"), optional: false)
            .Build();
        return KafkaSettings.Load(configuration.GetSection(KafkaSettings.SectionName));
    }

    /// <summary>The dashboard's UI, OTLP and resource-service ports from the AppHost's launch profile.</summary>
    private static IEnumerable<int> DashboardPorts()
    {
        var profile = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "AppHost", "Properties", "launchSettings.json")))!["profiles"]!["http"]!;
        var environment = profile["environmentVariables"]!;
        string[] urls =
        [
            (string)profile["applicationUrl"]!,
            (string)environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"]!,
            (string)environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"]!,
        ];
        return urls.Select(url => new Uri(url).Port);
    }

    /// <summary>
    /// The text lines of every node and edge label of a Mermaid flowchart: quoted labels, split at line breaks, with
    /// Mermaid's entity codes (#35; …) decoded.
    /// </summary>
    private static IEnumerable<string> Labels(string source) =>
        QuotedLabel().Matches(string.Join('\n', source.Split('\n').Where(line => !line.TrimStart().StartsWith("%%", StringComparison.Ordinal))))
            .SelectMany(match => match.Groups[1].Value.Split("<br/>"))
            .Select(line => EntityCode().Replace(line, code => ((char)int.Parse(code.Groups[1].Value)).ToString()).Trim())
            .Where(line => line.Length > 0)
            .Distinct();

    [GeneratedRegex("\"([^\"]*)\"")]
    private static partial Regex QuotedLabel();

    [GeneratedRegex("#([0-9]+);")]
    private static partial Regex EntityCode();
}

using System.Text.Json.Nodes;
using HpcAspire.KubernetesManifests.Operators;
using HpcAspire.Tests.Support;
using k8s.Models;

namespace HpcAspire.Tests.Kubernetes;

[Trait(TestKinds.Trait, TestKinds.Component)]
public class TopicsJobTests
{
    /// <summary>The topics the AppHost creates: Kafka:Topics (name to partitions) and Kafka:ReplicationFactor.</summary>
    private static (SortedDictionary<string, int> Topics, int ReplicationFactor, int MinInsyncReplicas) AppHostTopics()
    {
        var kafka = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "AppHost", "appsettings.json")))!["Kafka"]!;
        var topics = new SortedDictionary<string, int>(kafka["Topics"]!.AsObject().ToDictionary(t => t.Key, t => t.Value!.GetValue<int>()), StringComparer.Ordinal);
        return (topics, kafka["ReplicationFactor"]!.GetValue<int>(), kafka["MinInsyncReplicas"]!.GetValue<int>());
    }

    [Fact]
    public void A_Job_creates_the_AppHost_topics_against_the_brokers_pods()
    {
        var objects = BuiltOverlays.ObjectsOf("base");
        var (topics, replication, minInsync) = AppHostTopics();

        var job = Assert.Single(objects.OfType<V1Job>());
        Assert.Equal("kafka-topics", job.Metadata.Name);
        Assert.Equal("OnFailure", job.Spec.Template.Spec.RestartPolicy);
        Assert.True(job.Spec.BackoffLimit > 0);
        var container = job.Spec.Template.Spec.Containers[0];
        var env = objects.OfType<V1ConfigMap>().Single(map => map.Metadata.Name == container.EnvFrom.Single().ConfigMapRef.Name).Data;
        Assert.Equal("kafka-0.kafka-brokers:9093,kafka-1.kafka-brokers:9093,kafka-2.kafka-brokers:9093", env["TOPICS_BOOTSTRAP_SERVERS"]);

        var declared = TopicDefinition.FromEnvironment(env.ToDictionary());
        Assert.Equal(topics, new SortedDictionary<string, int>(declared.ToDictionary(t => t.Name, t => t.Partitions), StringComparer.Ordinal));
        Assert.All(declared, topic => Assert.Equal((replication, minInsync), (topic.ReplicationFactor, topic.MinInsyncReplicas)));
    }

    [Fact]
    public void The_Job_runs_the_manifests_script_unchanged()
    {
        var manifest = JsonNode.Parse(File.ReadAllText(RepositoryFiles.Manifest))!["resources"]!["kafka-topics"]!;
        var container = Assert.Single(BuiltOverlays.ObjectsOf("base").OfType<V1Job>()).Spec.Template.Spec.Containers[0];

        Assert.Equal([manifest["entrypoint"]!.GetValue<string>()], container.Command);
        Assert.Equal(manifest["args"]!.AsArray().Select(arg => arg!.GetValue<string>()), container.Args);
    }

    [Fact]
    public void The_operators_overlay_declares_each_topic_as_a_KafkaTopic()
    {
        var objects = BuiltOverlays.ObjectsOf("overlays/operators");
        var (topics, replication, minInsync) = AppHostTopics();
        var cluster = objects.OfType<StrimziKafka>().Single().Metadata.Name;

        var declared = objects.OfType<StrimziKafkaTopic>().ToList();
        Assert.Equal(topics, new SortedDictionary<string, int>(declared.ToDictionary(t => t.Metadata.Name, t => t.Spec.Partitions), StringComparer.Ordinal));
        Assert.All(declared, topic =>
        {
            Assert.Equal(cluster, topic.Metadata.Labels["strimzi.io/cluster"]);
            Assert.Equal(replication, topic.Spec.Replicas);
            Assert.Equal(minInsync.ToString(System.Globalization.CultureInfo.InvariantCulture), topic.Spec.Config!["min.insync.replicas"].ToString());
        });
    }
}

using HpcAspire.KubernetesManifests.Operators;
using HpcAspire.Tests.Support;
using k8s;
using k8s.Models;

namespace HpcAspire.Tests.Kubernetes;

[Trait(TestKinds.Trait, TestKinds.Component)]
public class OverlayBuildTests
{
    public static TheoryData<string> Overlays => new(BuiltOverlays.Names);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_overlay_builds_with_kustomize(string overlay)
    {
        var yaml = BuiltOverlays.YamlOf(overlay);

        Assert.Contains("kind: ", yaml);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_object_the_overlay_builds_loads_strictly_into_its_model(string overlay)
    {
        var objects = BuiltOverlays.ObjectsOf(overlay);

        Assert.NotEmpty(objects);
        Assert.All(objects, item => Assert.IsAssignableFrom<IKubernetesObject>(item));
    }

    [Fact]
    public void Strict_loading_rejects_a_field_the_models_do_not_know()
    {
        const string misspelt = "apiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic\nmetadata:\n  name: t\nspec:\n  partitions: 1\n  replica: 3\n";
        const string unknownInBuiltIn = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  publishNotReady: true\n";

        Assert.ThrowsAny<YamlDotNet.Core.YamlException>(() =>
            KubernetesYaml.LoadAllFromString(misspelt, new Dictionary<string, Type>(BuiltOverlays.CustomResources), strict: true));
        Assert.ThrowsAny<YamlDotNet.Core.YamlException>(() => KubernetesYaml.LoadAllFromString(unknownInBuiltIn, strict: true));
    }

    [Fact]
    public void The_operators_overlay_runs_Strimzi_and_the_RabbitMQ_operator_instead_of_the_in_repo_brokers()
    {
        var objects = BuiltOverlays.ObjectsOf("overlays/operators");

        var kafka = Assert.Single(objects.OfType<StrimziKafka>());
        var pool = Assert.Single(objects.OfType<StrimziKafkaNodePool>());
        Assert.Equal(kafka.Metadata.Name, pool.Metadata.Labels["strimzi.io/cluster"]);
        Assert.Equal(["controller", "broker"], pool.Spec.Roles);
        Assert.NotNull(kafka.Spec.EntityOperator?.TopicOperator);
        var rabbitmq = Assert.Single(objects.OfType<RabbitmqCluster>());
        Assert.Equal("rabbitmq", rabbitmq.Metadata.Name);

        Assert.DoesNotContain(objects.OfType<V1StatefulSet>(), set => set.Metadata.Name is "kafka" or "rabbitmq");
        Assert.DoesNotContain(objects.OfType<V1Job>(), _ => true);
        var connections = objects.OfType<V1ConfigMap>().Single(map => map.Metadata.Name.StartsWith("connection-strings-", StringComparison.Ordinal));
        Assert.Equal($"{kafka.Metadata.Name}-kafka-bootstrap:9092", connections.Data["kafka"]);
        Assert.DoesNotContain("kafka-brokers", BuiltOverlays.YamlOf("overlays/operators"));
    }
}

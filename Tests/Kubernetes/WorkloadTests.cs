using System.Text.RegularExpressions;
using HpcAspire.Tests.Support;
using k8s.Models;

namespace HpcAspire.Tests.Kubernetes;

/// <summary>What every overlay's workloads must be, checked on the objects kustomize builds.</summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public partial class WorkloadTests
{
    public static TheoryData<string> Overlays => new(BuiltOverlays.Names);

    public static TheoryData<string> OverlaysWithInRepoBrokers => new(BuiltOverlays.Names.Where(name => name != "overlays/operators"));

    [GeneratedRegex(@"\{[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+\}")]
    private static partial Regex ManifestExpression();

    [Theory]
    [MemberData(nameof(OverlaysWithInRepoBrokers))]
    public void The_brokers_are_one_StatefulSet_behind_a_headless_Service_with_a_claim_each_a_disruption_budget_and_anti_affinity(string overlay)
    {
        var objects = BuiltOverlays.ObjectsOf(overlay);

        var brokers = Assert.Single(objects.OfType<V1StatefulSet>(), set => set.Metadata.Name == "kafka");
        Assert.Equal(3, brokers.Spec.Replicas);
        Assert.Equal("Parallel", brokers.Spec.PodManagementPolicy);
        var headless = Assert.Single(objects.OfType<V1Service>(), service => service.Metadata.Name == brokers.Spec.ServiceName);
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.True(headless.Spec.PublishNotReadyAddresses);
        var claim = Assert.Single(brokers.Spec.VolumeClaimTemplates);
        var container = Assert.Single(brokers.Spec.Template.Spec.Containers);
        Assert.Contains(container.VolumeMounts, mount => mount.Name == claim.Metadata.Name && mount.MountPath == "/var/lib/kafka/data");
        var budget = Assert.Single(objects.OfType<V1PodDisruptionBudget>(), pdb => pdb.Metadata.Name == "kafka");
        Assert.Equal("1", budget.Spec.MaxUnavailable?.Value);
        var antiAffinity = brokers.Spec.Template.Spec.Affinity.PodAntiAffinity;
        var terms = (antiAffinity.RequiredDuringSchedulingIgnoredDuringExecution ?? [])
            .Concat(antiAffinity.PreferredDuringSchedulingIgnoredDuringExecution?.Select(term => term.PodAffinityTerm) ?? []);
        Assert.Contains(terms, term => term.TopologyKey == "kubernetes.io/hostname");
    }

    [Theory]
    [MemberData(nameof(OverlaysWithInRepoBrokers))]
    public void Each_broker_takes_its_node_id_from_its_pod_ordinal_and_advertises_its_pod_name(string overlay)
    {
        var brokers = BuiltOverlays.ObjectsOf(overlay).OfType<V1StatefulSet>().Single(set => set.Metadata.Name == "kafka");
        var container = brokers.Spec.Template.Spec.Containers[0];
        var configMap = BuiltOverlays.ObjectsOf(overlay).OfType<V1ConfigMap>()
            .Single(map => map.Metadata.Name == container.EnvFrom.Single().ConfigMapRef.Name);

        Assert.Equal(["bash", "-c"], container.Command.Take(2));
        Assert.Contains("export KAFKA_NODE_ID=\"$(( ${POD_NAME##*-} + 1 ))\"", container.Command[2]);
        Assert.EndsWith("exec /etc/confluent/docker/run\n", container.Command[2]);
        Assert.Equal("metadata.name", BuiltObjects.Env(container, "POD_NAME").ValueFrom.FieldRef.FieldPath);
        Assert.Contains("$(POD_NAME).kafka-brokers:9093", BuiltObjects.Env(container, "KAFKA_ADVERTISED_LISTENERS").Value);
        Assert.Equal("1@kafka-0.kafka-brokers:9094,2@kafka-1.kafka-brokers:9094,3@kafka-2.kafka-brokers:9094",
            configMap.Data["KAFKA_CONTROLLER_QUORUM_VOTERS"]);
        Assert.DoesNotContain("KAFKA_NODE_ID", configMap.Data.Keys);
    }

    [Fact]
    public void The_production_overlay_requires_brokers_on_distinct_nodes_and_gives_every_claim_a_storage_class()
    {
        var statefulSets = BuiltOverlays.ObjectsOf("overlays/production").OfType<V1StatefulSet>().ToList();

        var brokers = statefulSets.Single(set => set.Metadata.Name == "kafka");
        var required = Assert.Single(brokers.Spec.Template.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution);
        Assert.Equal("kubernetes.io/hostname", required.TopologyKey);
        var claims = statefulSets.SelectMany(set => set.Spec.VolumeClaimTemplates ?? []).ToList();
        Assert.Equal(5, claims.Count);
        Assert.All(claims, claim => Assert.False(string.IsNullOrEmpty(claim.Spec.StorageClassName)));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_pod_has_service_links_off(string overlay)
    {
        var pods = BuiltObjects.PodSpecs(BuiltOverlays.ObjectsOf(overlay)).ToList();

        Assert.NotEmpty(pods);
        Assert.All(pods, pod => Assert.True(pod.Pod.EnableServiceLinks == false, $"{pod.Workload} would get <SERVICE>_PORT variables."));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_container_that_serves_has_readiness_and_liveness_probes(string overlay)
    {
        var serving = BuiltObjects.Containers(BuiltOverlays.ObjectsOf(overlay)).Where(c => c.Container.Ports?.Count > 0).ToList();

        Assert.NotEmpty(serving);
        Assert.All(serving, c =>
        {
            Assert.True(c.Container.ReadinessProbe is not null, $"{c.Workload} has no readiness probe.");
            Assert.True(c.Container.LivenessProbe is not null, $"{c.Workload} has no liveness probe.");
        });
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_image_names_a_version_and_none_is_latest(string overlay)
    {
        Assert.All(BuiltObjects.Containers(BuiltOverlays.ObjectsOf(overlay)), c =>
        {
            var lastSegment = c.Container.Image[(c.Container.Image.LastIndexOf('/') + 1)..];
            Assert.True(lastSegment.Contains(':') && !lastSegment.EndsWith(":latest", StringComparison.Ordinal), $"{c.Workload} runs {c.Container.Image}.");
        });
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_container_requests_cpu_and_memory(string overlay)
    {
        Assert.All(BuiltObjects.Containers(BuiltOverlays.ObjectsOf(overlay)), c =>
        {
            Assert.True(c.Container.Resources?.Requests?.ContainsKey("cpu") == true, $"{c.Workload} requests no cpu.");
            Assert.True(c.Container.Resources?.Requests?.ContainsKey("memory") == true, $"{c.Workload} requests no memory.");
        });
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void No_manifest_expression_is_left_unresolved(string overlay)
    {
        var left = ManifestExpression().Matches(BuiltOverlays.YamlOf(overlay)).Select(match => match.Value).Distinct().ToList();

        Assert.True(left.Count == 0, $"Unresolved: {string.Join(", ", left)}");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_services_read_the_RabbitMQ_password_from_the_Secret_and_build_the_amqp_uri_from_it(string overlay)
    {
        var objects = BuiltOverlays.ObjectsOf(overlay);
        var users = BuiltObjects.Containers(objects).Where(c => c.Container.Env?.Any(v => v.Name == "RABBITMQ_PASSWORD") == true).ToList();

        Assert.Equal(4, users.Count);
        Assert.All(users, c =>
        {
            Assert.StartsWith("rabbitmq-default-user", BuiltObjects.Env(c.Container, "RABBITMQ_PASSWORD").ValueFrom.SecretKeyRef.Name);
            Assert.Equal("password", BuiltObjects.Env(c.Container, "RABBITMQ_PASSWORD").ValueFrom.SecretKeyRef.Key);
            Assert.Equal("amqp://$(RABBITMQ_USERNAME):$(RABBITMQ_PASSWORD)@rabbitmq:5672", BuiltObjects.Env(c.Container, "ConnectionStrings__rabbitmq").Value);
            Assert.Equal("amqp://$(RABBITMQ_USERNAME):$(RABBITMQ_PASSWORD)@rabbitmq:5672", BuiltObjects.Env(c.Container, "RABBITMQ_URI").Value);
        });
        Assert.All(objects.OfType<V1ConfigMap>(), map => Assert.DoesNotContain(map.Data?.Keys ?? [], key => key.Contains("PASS", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void The_local_overlay_generates_the_RabbitMQ_Secret_and_no_ConfigMap_holds_its_values()
    {
        var objects = BuiltOverlays.ObjectsOf("overlays/local");

        var secret = Assert.Single(objects.OfType<V1Secret>());
        Assert.StartsWith("rabbitmq-default-user-", secret.Metadata.Name);
        var values = secret.Data.Values.Select(System.Text.Encoding.UTF8.GetString).ToList();
        Assert.All(values, value => Assert.Matches("^[A-Za-z0-9]{22,}$", value));
        var configuration = string.Join('\n', objects.OfType<V1ConfigMap>().SelectMany(map => map.Data?.Values ?? []));
        Assert.All(values, value => Assert.DoesNotContain(value, configuration));
        var broker = objects.OfType<V1StatefulSet>().Single(set => set.Metadata.Name == "rabbitmq").Spec.Template.Spec.Containers[0];
        Assert.Equal(secret.Metadata.Name, BuiltObjects.Env(broker, "RABBITMQ_DEFAULT_PASS").ValueFrom.SecretKeyRef.Name);
    }

    [Fact]
    public void No_committed_manifest_holds_a_Secret_or_a_generated_value()
    {
        var committed = Directory.EnumerateFiles(RepositoryFiles.Manifests, "*.yaml", SearchOption.AllDirectories)
            .Where(file => !file.Contains("/generator/", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(committed);
        Assert.All(committed, file => Assert.DoesNotContain("kind: Secret", File.ReadAllText(file)));
        Assert.Contains("*.env", File.ReadAllLines(Path.Combine(RepositoryFiles.Manifests, "overlays", "local", ".gitignore")));
        var localSecret = BuiltOverlays.ObjectsOf("overlays/local").OfType<V1Secret>().Single();
        Assert.All(localSecret.Data.Values.Select(System.Text.Encoding.UTF8.GetString), value =>
            Assert.All(committed, file => Assert.DoesNotContain(value, File.ReadAllText(file))));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Each_processor_replica_takes_its_instance_id_from_its_pod_ordinal(string overlay)
    {
        var processors = BuiltOverlays.ObjectsOf(overlay).OfType<V1StatefulSet>().Where(set => set.Metadata.Name.EndsWith("processor", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, processors.Count);
        Assert.All(processors, set => Assert.Equal("metadata.labels['apps.kubernetes.io/pod-index']",
            BuiltObjects.Env(set.Spec.Template.Spec.Containers[0], "Processor__InstanceId").ValueFrom.FieldRef.FieldPath));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_dotNET_services_run_as_uid_1654_and_can_write_their_volumes(string overlay)
    {
        var services = BuiltObjects.PodSpecs(BuiltOverlays.ObjectsOf(overlay))
            .Where(pod => pod.Pod.Containers[0].Image.StartsWith("hpcaspire/", StringComparison.Ordinal)).ToList();

        Assert.Equal(8, services.Count);
        Assert.All(services, pod =>
        {
            Assert.Equal(1654, pod.Pod.SecurityContext.RunAsUser);
            Assert.Equal(1654, pod.Pod.SecurityContext.FsGroup);
            Assert.EndsWith(":1.0.0", pod.Pod.Containers[0].Image);
        });
    }
}

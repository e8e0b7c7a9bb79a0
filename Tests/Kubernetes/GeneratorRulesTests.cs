using System.Text.Json.Nodes;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Kubernetes;

/// <summary>What the generator refuses to write, rather than writing something broken or leaky.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public class GeneratorRulesTests
{
    [Fact]
    public void A_secret_parameter_is_never_put_in_a_ConfigMap()
    {
        var problem = Assert.Throws<InvalidDataException>(() => ManifestVariant.Generate(changeProfile: profile =>
            profile["parameters"]!["rabbitmq-password"] = new JsonObject { ["configMap"] = "leaky", ["key"] = "password", ["default"] = "x" }));

        Assert.Contains("is secret", problem.Message);
    }

    [Fact]
    public void A_uri_filter_over_a_value_that_may_hold_special_characters_is_refused()
    {
        var problem = Assert.Throws<InvalidDataException>(() => ManifestVariant.Generate(changeManifest: resources =>
            resources["rabbitmq-password"]!["inputs"]!["value"]!["default"]!["generate"]!["special"] = true));

        Assert.Contains("percent-encodes", problem.Message);
    }

    [Theory]
    [InlineData("confluentinc/cp-schema-registry")]
    [InlineData("confluentinc/cp-schema-registry:latest")]
    public void An_image_without_a_version_is_refused(string image)
    {
        var problem = Assert.Throws<InvalidDataException>(() => ManifestVariant.Generate(changeManifest: resources =>
            resources["schema-registry"]!["image"] = image));

        Assert.Contains("without a version tag", problem.Message);
    }

    [Fact]
    public void An_expression_the_generator_does_not_know_is_refused()
    {
        var problem = Assert.Throws<InvalidDataException>(() => ManifestVariant.Generate(changeManifest: resources =>
            resources["kafdrop"]!["env"]!["SOMETHING"] = "{schema-registry.bindings.http.unknownPart}"));

        Assert.Contains("does not know the expression", problem.Message);
    }

    [Fact]
    public void Brokers_that_differ_other_than_in_their_address_and_number_are_refused()
    {
        var problem = Assert.Throws<InvalidDataException>(() => ManifestVariant.Generate(changeManifest: resources =>
            resources["kafka-2"]!["env"]!["KAFKA_MIN_INSYNC_REPLICAS"] = "1"));

        Assert.Contains("KAFKA_MIN_INSYNC_REPLICAS differs between brokers", problem.Message);
    }

    [Fact]
    public void A_manifest_field_the_generator_does_not_map_is_refused()
    {
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => ManifestVariant.Generate(changeManifest: resources =>
            resources["kafdrop"]!["bindMounts"] = new JsonArray()));
    }
}

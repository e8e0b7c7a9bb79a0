using HpcAspire.AppHost.Infrastructure;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.AppModel;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public class ConfigurationValidationTests
{
    [Theory]
    [InlineData("Infrastructure:Mode=Kubernetes", "Infrastructure:Mode is 'Kubernetes'", "Auto, Containers or Embedded")]
    [InlineData("Kafka:Brokers=0", "Kafka:Brokers is 0", "Set Kafka:Brokers to 1 or more")]
    [InlineData("Kafka:ReplicationFactor=4", "Kafka:ReplicationFactor is 4 but Kafka:Brokers is 3", "between 1 and 3")]
    [InlineData("Kafka:MinInsyncReplicas=3;Kafka:ReplicationFactor=2", "Kafka:MinInsyncReplicas is 3", "between 1 and 2")]
    [InlineData("Kafka:Topics:node-readings=0", "Kafka:Topics:node-readings is 0", "1 or more")]
    [InlineData("Kafka:TrimConsumed:audit-log:0=sink", "Kafka:TrimConsumed names topic 'audit-log'", "Name one of those topics")]
    [InlineData("Kafka:TrimConsumed:node-readings:0=auditors", "Kafka:TrimConsumed:node-readings is [auditors]", "every consumer group that reads the topic")]
    [InlineData("Kafka:KeepReadRecords=yes", "Kafka:KeepReadRecords is 'yes'", "true or false")]
    [InlineData("Kafka:Brokers=three", "Kafka:Brokers is 'three'", "whole number")]
    [InlineData("RabbitMQ:Port=70000", "RabbitMQ:Port is '70000'", "between 1 and 65535")]
    [InlineData("Application:Transports=Mqtt", "Application:Transports is 'Mqtt'", "Kafka, RabbitMQ or Both")]
    [InlineData("RabbitMQ:Processors=0", "RabbitMQ:Processors is '0'", "from 1 to 16")]
    [InlineData("RabbitMQ:Processors=5", "RabbitMQ:Processors is 5 but RabbitMQ:ReadingShards is 4", "Raise ReadingShards to at least 5")]
    public async Task Bad_configuration_stops_the_AppHost_with_a_message_naming_the_setting_and_the_fix(string settings, string names, string fix)
    {
        var args = settings.Split(';');
        var mode = args.FirstOrDefault(a => a.StartsWith("Infrastructure:Mode=", StringComparison.Ordinal))?.Split('=')[1] ?? "Embedded";

        var error = await Assert.ThrowsAsync<InfrastructureConfigurationException>(() => AppHostFactory.CreateAsync(mode, args));

        Assert.Contains(names, error.Message);
        Assert.Contains(fix, error.Message);
    }

    [Fact]
    public void Auto_mode_chooses_containers_only_when_the_runtime_answers()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();

        var healthy = InfrastructureSettings.Load(configuration, isPublishMode: false, "/app", new FixedProbe(true, "docker engine 28.2 answered"));
        var missing = InfrastructureSettings.Load(configuration, isPublishMode: false, "/app", new FixedProbe(false, "docker: not installed"));
        var publishing = InfrastructureSettings.Load(configuration, isPublishMode: true, "/app", new FixedProbe(false, "docker: not installed"));

        Assert.Equal(InfrastructureMode.Containers, healthy.Mode);
        Assert.Contains("docker engine 28.2 answered", healthy.ModeReason);
        Assert.Equal(InfrastructureMode.Embedded, missing.Mode);
        Assert.Contains("docker: not installed", missing.ModeReason);
        Assert.Equal(InfrastructureMode.Containers, publishing.Mode);
        Assert.Equal("/app/.data", missing.DataDirectory);
    }

    private sealed class FixedProbe(bool healthy, string description) : IContainerRuntimeProbe
    {
        public ContainerRuntimeStatus Probe() => new(healthy, description);
    }
}

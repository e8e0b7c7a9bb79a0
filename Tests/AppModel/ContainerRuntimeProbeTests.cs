using HpcAspire.AppHost.Infrastructure;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace HpcAspire.Tests.AppModel;

/// <summary>
/// Which container runtime the AppHost finds, against stand-in docker and podman executables that answer as the real
/// ones do: only for the template their own <c>info</c> knows, and only with an engine behind them.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public class ContainerRuntimeProbeTests
{
    // podman's info has no ServerVersion: it fails on that template as podman 5 does.
    private const string Podman = """
        #!/bin/sh
        if [ "$1 $2 $3" = "info --format {{.Version.Version}}" ]; then echo 5.2.3; exit 0; fi
        echo 'Error: template: info:1:2: executing "info" at <.ServerVersion>: can'"'"'t evaluate field ServerVersion' >&2
        exit 125
        """;

    private const string DockerWithoutEngine = """
        #!/bin/sh
        echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2
        exit 1
        """;

    private const string Docker = """
        #!/bin/sh
        if [ "$1 $2 $3" = "info --format {{.ServerVersion}}" ]; then echo 28.2.2; exit 0; fi
        exit 1
        """;

    [Fact]
    public void Podman_is_found_when_docker_has_no_engine()
    {
        var status = Probe(new() { ["docker"] = DockerWithoutEngine, ["podman"] = Podman });

        Assert.True(status.IsHealthy, status.Description);
        Assert.Equal("podman", status.Runtime);
        Assert.False(status.IsConfigured);
        Assert.Contains("podman engine 5.2.3 answered", status.Description);
    }

    [Fact]
    public void Docker_is_asked_first()
    {
        var status = Probe(new() { ["docker"] = Docker, ["podman"] = Podman });

        Assert.Equal("docker", status.Runtime);
        Assert.Contains("docker engine 28.2.2 answered", status.Description);
    }

    [Fact]
    public void A_runtime_configured_as_Aspire_reads_it_is_the_only_one_asked()
    {
        var status = Probe(new() { ["docker"] = Docker, ["podman"] = DockerWithoutEngine }, ("ASPIRE_CONTAINER_RUNTIME", "podman"));

        Assert.False(status.IsHealthy);
        Assert.True(status.IsConfigured);
        Assert.StartsWith("no healthy container runtime (podman: installed, but its engine did not answer", status.Description);
        Assert.DoesNotContain("docker:", status.Description);
    }

    [Fact]
    public void No_engine_at_all_says_what_each_runtime_answered()
    {
        var status = Probe(new() { ["docker"] = DockerWithoutEngine });

        Assert.False(status.IsHealthy);
        Assert.Contains("docker: installed, but its engine did not answer (Cannot connect to the Docker daemon", status.Description);
        Assert.Contains("podman: not installed", status.Description);
    }

    [Fact]
    public void A_detected_podman_is_handed_to_DCP_which_would_otherwise_try_docker()
    {
        var builder = DistributedApplication.CreateBuilder(["Infrastructure:Mode=Auto", "Application:Transports=Kafka"]);

        var settings = builder.AddInfrastructure(new FixedProbe(new ContainerRuntimeStatus(true, "podman engine 5.2.3 answered", "podman")));

        Assert.Equal(InfrastructureMode.Containers, settings.Mode);
        Assert.Equal("podman", builder.Configuration["DcpPublisher:ContainerRuntime"]);
    }

    [Fact]
    public void A_configured_runtime_is_left_to_DCP_as_configured()
    {
        var builder = DistributedApplication.CreateBuilder(["Infrastructure:Mode=Auto", "ASPIRE_CONTAINER_RUNTIME=podman"]);

        builder.AddInfrastructure(new FixedProbe(new ContainerRuntimeStatus(true, "podman engine 5.2.3 answered", "podman", IsConfigured: true)));

        Assert.Null(builder.Configuration["DcpPublisher:ContainerRuntime"]);
    }

    private static ContainerRuntimeStatus Probe(Dictionary<string, string> executables, params (string Key, string Value)[] settings)
    {
        var directory = TestDirectories.Create("runtimes");
        foreach (var (name, script) in executables)
        {
            StandInExecutables.Write(directory, name, script);
        }

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new ContainerRuntimeProbe(configuration, directory).Probe();
    }

    private sealed class FixedProbe(ContainerRuntimeStatus status) : IContainerRuntimeProbe
    {
        public ContainerRuntimeStatus Probe() => status;
    }
}

using System.Diagnostics;
using System.Text.Json;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.AppModel;

/// <summary>
/// What `dotnet publish /t:PublishContainer` would build each service's image from, as MSBuild
/// evaluates the project files (the image itself needs the base image's registry, which these
/// machines do not reach).
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Component)]
public class ContainerSettingsTests
{
    [Theory]
    [InlineData("Generator", "hpcaspire/generator")]
    [InlineData("Processor", "hpcaspire/processor")]
    [InlineData("Sink", "hpcaspire/sink")]
    [InlineData("SchemaRegistry", "hpcaspire/schema-registry")]
    public async Task Each_service_publishes_as_a_tagged_image_run_by_a_non_root_user_on_port_8080(string service, string repository)
    {
        var settings = await EvaluateAsync(service);
        var properties = settings.GetProperty("Properties");
        Assert.Equal(repository, properties.GetProperty("ContainerRepository").GetString());
        Assert.Equal(["1.0.0", "latest"], properties.GetProperty("ContainerImageTags").GetString()!.Split(';'));
        Assert.Equal("app", properties.GetProperty("ContainerUser").GetString());
        var port = Assert.Single(settings.GetProperty("Items").GetProperty("ContainerPort").EnumerateArray());
        Assert.Equal("8080", port.GetProperty("Identity").GetString());
        Assert.Equal("tcp", port.GetProperty("Type").GetString());
    }

    [Theory]
    [InlineData("Sink", "Sink__OutputDirectory", "/data/sink")]
    [InlineData("Processor", "Processor__StateDirectory", "/data/processor")]
    public async Task A_service_that_keeps_files_writes_them_under_the_data_volume(string service, string variable, string directory)
    {
        var variables = (await EvaluateAsync(service)).GetProperty("Items").GetProperty("ContainerEnvironmentVariable").EnumerateArray()
            .ToDictionary(v => v.GetProperty("Identity").GetString()!, v => v.GetProperty("Value").GetString());
        Assert.Equal(directory, variables[variable]);
    }

    [Fact]
    public async Task A_tool_that_names_the_tag_gets_that_tag_alone_and_the_SDK_accepts_it()
    {
        // Aspire's publisher and aspirate pass ContainerImageTag; with ContainerImageTags also set the SDK stops with
        // CONTAINER2008. ComputeContainerConfig is the SDK's own check of the two, and runs without a registry.
        var settings = await EvaluateAsync("Sink", "-t:ComputeContainerConfig", "-p:ContainerImageTag=2.3.4");

        var properties = settings.GetProperty("Properties");
        Assert.Equal("2.3.4", properties.GetProperty("ContainerImageTag").GetString());
        Assert.Equal("", properties.GetProperty("ContainerImageTags").GetString());
    }

    private static async Task<JsonElement> EvaluateAsync(string service, params string[] extraArguments)
    {
        var repositoryRoot = Path.GetDirectoryName(Projects.HpcAspire_AppHost.ProjectPath)!; // ProjectPath is the AppHost's directory
        var project = Path.Combine(repositoryRoot, "Services", service, $"HpcAspire.{service}.csproj");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["msbuild", project, "-getProperty:ContainerRepository", "-getProperty:ContainerImageTags",
                     "-getProperty:ContainerImageTag", "-getProperty:ContainerUser", "-getItem:ContainerPort", "-getItem:ContainerEnvironmentVariable",
                     .. extraArguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var msbuild = Process.Start(start)!;
        var output = await msbuild.StandardOutput.ReadToEndAsync();
        var errors = await msbuild.StandardError.ReadToEndAsync();
        await msbuild.WaitForExitAsync();
        Assert.True(msbuild.ExitCode == 0, $"dotnet msbuild {project} failed:\n{output}\n{errors}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }
}

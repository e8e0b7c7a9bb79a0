using HpcAspire.AppHost.Infrastructure;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.AppModel;

/// <summary>
/// Every project resource starts from its built assembly (<c>dotnet exec</c>) in run mode instead of Aspire's
/// <c>dotnet run --project … --no-build</c>, which evaluates the project with MSBuild on every start. The end-to-end
/// tests start the services this way; these check the model and the setting.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public class ServiceLaunchTests
{
    [Fact]
    public async Task Every_project_starts_with_dotnet_exec_of_its_built_assembly()
    {
        await using var builder = await AppHostFactory.CreateAsync("Embedded", "Application:Transports=Both");

        var projects = builder.Resources.OfType<ProjectResource>().ToList();
        Assert.Equal(9, projects.Count); // eight services and the embedded registry
        var run = new DistributedApplicationExecutionContext(
            new DistributedApplicationExecutionContextOptions(DistributedApplicationOperation.Run) { Services = builder.Services.BuildServiceProvider() });
        foreach (var project in projects)
        {
            var args = await LaunchToolArgsAsync(project, run);

            Assert.Equal(2, args.Count);
            Assert.Equal("exec", args[0]);
            Assert.True(File.Exists(args[1]), $"{project.Name}: {args[1]} does not exist");
            var projectPath = project.GetProjectMetadata().ProjectPath;
            Assert.Equal(Path.GetFileNameWithoutExtension(projectPath) + ".dll", Path.GetFileName(args[1]));
            Assert.StartsWith(Path.GetDirectoryName(projectPath)!, args[1]);
        }
    }

    [Fact]
    public async Task The_published_model_has_no_launch_arguments()
    {
        await using var builder = await AppHostFactory.CreateAsync("Embedded", "Application:Transports=Both");
        var publish = new DistributedApplicationExecutionContext(
            new DistributedApplicationExecutionContextOptions(DistributedApplicationOperation.Publish) { Services = builder.Services.BuildServiceProvider() });

        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            Assert.Empty(await LaunchToolArgsAsync(project, publish));
        }
    }

    [Fact]
    public async Task DotnetRun_keeps_Aspires_default_launch()
    {
        await using var builder = await AppHostFactory.CreateAsync("Embedded", "Application:Transports=Both", $"{BuiltAssemblyLaunch.SettingKey}=DotnetRun");

        var run = new DistributedApplicationExecutionContext(
            new DistributedApplicationExecutionContextOptions(DistributedApplicationOperation.Run) { Services = builder.Services.BuildServiceProvider() });
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            Assert.Empty(await LaunchToolArgsAsync(project, run));
        }
    }

    [Fact]
    public async Task An_unknown_launch_is_refused_naming_the_setting_and_its_values()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AppHostFactory.CreateAsync("Embedded", $"{BuiltAssemblyLaunch.SettingKey}=Docker"));

        var message = (error.InnerException ?? error).Message;
        Assert.Contains(BuiltAssemblyLaunch.SettingKey, message);
        Assert.Contains("'Docker'", message);
        Assert.Contains("DotnetRun", message);
    }

    /// <summary>
    /// The arguments Aspire gathers for the project: the launch tool arguments first, then <c>WithArgs</c>' (the services
    /// have none). Aspire's default <c>run --project …</c> is added later, by its launch, only when there are no launch tool arguments.
    /// </summary>
    private static async Task<List<string>> LaunchToolArgsAsync(ProjectResource project, DistributedApplicationExecutionContext context)
    {
        var result = await ExecutionConfigurationBuilder.Create(project).WithArgumentsConfig()
            .BuildAsync(context, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        return result.Arguments.Select(a => a.Value).ToList();
    }

    [Fact]
    public void An_assembly_that_is_not_built_keeps_the_default_launch()
    {
        Assert.Null(BuiltAssemblyLaunch.AssemblyOf("/nonexistent/Service/HpcAspire.Service.csproj"));
    }
}

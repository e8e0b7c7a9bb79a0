using System.Reflection;
using System.Runtime.Versioning;

namespace HpcAspire.AppHost.Infrastructure;

/// <summary>
/// Starts a project resource from its built assembly (<c>dotnet exec &lt;dll&gt;</c>) instead of Aspire's default
/// <c>dotnet run --project … --no-build</c>, which evaluates the project with MSBuild on every start (several CPU-seconds
/// each; nine of them at once on two cores made most of the application's start-up) and keeps the <c>dotnet run</c>
/// process alive beside the service. Run mode only: the publish manifest is unchanged.
/// </summary>
/// <remarks>
/// Aspire's default already does not build (the generated project metadata suppresses it); the AppHost's build builds the
/// services with the same configuration and target framework, which is where the assembly is looked for. A project that
/// is not built there keeps the default launch. <c>WithLaunchToolArgs</c> replaces the <c>run --project …</c> arguments
/// (Aspire.Hosting 13.5+, experimental: ASPIREEXTENSION001); an IDE that launches the project itself ignores them.
/// </remarks>
internal static class BuiltAssemblyLaunch
{
    /// <summary><c>Assembly</c> (the default) or <c>DotnetRun</c> (Aspire's default launch, to compare start-ups).</summary>
    public const string SettingKey = "Infrastructure:ServiceLaunch";

    private static readonly Assembly AppHostAssembly = typeof(BuiltAssemblyLaunch).Assembly;

    public static IResourceBuilder<ProjectResource> WithBuiltAssemblyLaunch(this IResourceBuilder<ProjectResource> project)
    {
        var launch = project.ApplicationBuilder.Configuration[SettingKey] ?? "Assembly";
        if (launch is not ("Assembly" or "DotnetRun"))
        {
            throw new InvalidOperationException($"{SettingKey} is '{launch}'; it is Assembly (start each service from its built assembly, the default) or DotnetRun (Aspire's dotnet run).");
        }

        if (launch == "DotnetRun" || !project.ApplicationBuilder.ExecutionContext.IsRunMode
            || AssemblyOf(project.Resource.GetProjectMetadata().ProjectPath) is not { } assembly)
        {
            return project;
        }

#pragma warning disable ASPIREEXTENSION001 // experimental in 13.x; the replacement of dotnet run's arguments is what is needed
        return project.WithLaunchToolArgs(context =>
        {
            context.Args.Add("exec");
            context.Args.Add(assembly);
        }, ownedByLaunchConfigurationType: "project");
#pragma warning restore ASPIREEXTENSION001
    }

    /// <summary><c>&lt;project dir&gt;/bin/&lt;the AppHost's configuration&gt;/&lt;its target framework&gt;/&lt;project name&gt;.dll</c>, if built.</summary>
    internal static string? AssemblyOf(string projectPath)
    {
        var configuration = AppHostAssembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
        var framework = AppHostAssembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName is { } name
            && new FrameworkName(name) is { Identifier: ".NETCoreApp" } parsed
                ? $"net{parsed.Version.Major}.{parsed.Version.Minor}"
                : null;
        if (configuration is null || framework is null)
        {
            return null;
        }

        var assembly = Path.Combine(Path.GetDirectoryName(projectPath)!, "bin", configuration, framework, Path.GetFileNameWithoutExtension(projectPath) + ".dll");
        return File.Exists(assembly) ? assembly : null;
    }
}

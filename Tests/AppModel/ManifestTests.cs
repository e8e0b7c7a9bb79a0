using System.Diagnostics;
using System.Text.Json.Nodes;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.AppModel;

[Trait(TestKinds.Trait, TestKinds.Component)]
public class ManifestTests
{
    [Fact]
    public async Task The_committed_aspire_manifest_matches_what_the_AppHost_publishes_now()
    {
        var appHostDirectory = Projects.HpcAspire_AppHost.ProjectPath;
        var repositoryRoot = Path.GetDirectoryName(appHostDirectory)!;
        var committed = Path.Combine(repositoryRoot, "aspire-manifest.json");
        var regenerated = Path.Combine(TestDirectories.Create("manifest"), "aspire-manifest.json");

        // The AppHost is built with the same configuration as this test assembly.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
        var appHostDll = Path.Combine(appHostDirectory, "bin", configuration, "net10.0", "HpcAspire.AppHost.dll");
        var publish = new ProcessStartInfo("dotnet", ["exec", appHostDll, "--publisher", "manifest", "--output-path", regenerated])
        {
            WorkingDirectory = appHostDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(publish)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, $"Publishing the manifest failed:\n{await output}\n{await errors}");

        var expected = Normalize(regenerated);
        var actual = Normalize(committed);
        Assert.True(JsonNode.DeepEquals(expected, actual),
            "aspire-manifest.json is stale. Regenerate it: dotnet run --project AppHost -- --publisher manifest --output-path ../aspire-manifest.json");
    }

    /// <summary>Project paths and bind-mount sources are written relative to the manifest; make them absolute so two locations compare.</summary>
    private static JsonNode Normalize(string manifestPath)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var directory = Path.GetDirectoryName(manifestPath)!;
        foreach (var resource in manifest["resources"]!.AsObject())
        {
            if (resource.Value?["path"] is JsonValue path)
            {
                resource.Value["path"] = Path.GetFullPath(path.GetValue<string>(), directory);
            }

            foreach (var mount in resource.Value?["bindMounts"]?.AsArray() ?? [])
            {
                mount!["source"] = Path.GetFullPath(mount["source"]!.GetValue<string>(), directory);
            }
        }

        return manifest;
    }
}

using HpcAspire.KubernetesManifests;
using HpcAspire.KubernetesManifests.AppModel;
using HpcAspire.KubernetesManifests.Overlays;
using HpcAspire.KubernetesManifests.Profile;

// dotnet run --project manifests/generator [-- generate] [--manifest <aspire-manifest.json>] [--profile <profile.json>] [--output <manifests>]
// dotnet run --project manifests/generator -- secrets [--force]   (the local overlay's ignored env files)
var command = args.FirstOrDefault(argument => !argument.StartsWith("--", StringComparison.Ordinal)) ?? "generate";
var repositoryRoot = RepositoryRoot.Find();
var manifestPath = Option("--manifest") ?? Path.Combine(repositoryRoot, "aspire-manifest.json");
var profilePath = Option("--profile") ?? Path.Combine(repositoryRoot, "manifests", "generator", "profile.json");
var outputDirectory = Option("--output") ?? Path.Combine(repositoryRoot, "manifests");

try
{
    switch (command)
    {
        case "generate":
            var tree = ManifestGenerator.Generate(manifestPath, profilePath);
            ManifestGenerator.Write(tree, outputDirectory);
            Console.WriteLine($"Wrote {tree.Files.Count} files under {outputDirectory} from {manifestPath}.");
            return 0;

        case "secrets":
            var overlay = Path.Combine(outputDirectory, "overlays", "local");
            Directory.CreateDirectory(overlay);
            var written = LocalValues.Write(overlay, AspireManifest.Load(manifestPath), DeploymentProfile.Load(profilePath),
                overwrite: args.Contains("--force"), TimeProvider.System);
            Console.WriteLine(written.Count == 0
                ? $"The local env files under {overlay} exist already; --force writes new ones (RabbitMQ keeps the credentials of its first start)."
                : string.Join('\n', written.Select(file => $"Wrote {file}")));
            return 0;

        default:
            Console.Error.WriteLine($"Unknown command '{command}': use generate (the default) or secrets.");
            return 2;
    }
}
catch (InvalidDataException problem)
{
    Console.Error.WriteLine(problem.Message);
    return 1;
}

string? Option(string name) => args.SkipWhile(argument => argument != name).Skip(1).FirstOrDefault();

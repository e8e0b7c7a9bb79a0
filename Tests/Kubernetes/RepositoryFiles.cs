namespace HpcAspire.Tests.Kubernetes;

/// <summary>Paths of the repository these tests check, found from the test assembly upwards.</summary>
internal static class RepositoryFiles
{
    public static readonly string Root = FindRoot();

    public static string Manifest => Path.Combine(Root, "aspire-manifest.json");

    public static string Profile => Path.Combine(Root, "manifests", "generator", "profile.json");

    public static string Manifests => Path.Combine(Root, "manifests");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "HpcAspire.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No HpcAspire.sln above {AppContext.BaseDirectory}.");
    }
}

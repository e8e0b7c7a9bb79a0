namespace HpcAspire.KubernetesManifests;

/// <summary>The repository's root: the nearest folder upwards that holds HpcAspire.sln, from where the command runs.</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "HpcAspire.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidDataException($"No HpcAspire.sln in {Environment.CurrentDirectory} or above: run from the repository.");
    }
}

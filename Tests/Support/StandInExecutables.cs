namespace HpcAspire.Tests.Support;

/// <summary>Shell scripts that stand in for a tool (docker, podman, kafka-topics) in a test's own directory.</summary>
internal static class StandInExecutables
{
    public static string Write(string directory, string name, string script)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, script.Replace("\r", ""));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }
}

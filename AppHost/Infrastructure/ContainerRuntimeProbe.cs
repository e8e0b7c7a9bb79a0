using System.Diagnostics;

namespace HpcAspire.AppHost.Infrastructure;

/// <summary>Whether a container runtime that can run the brokers answers on this machine.</summary>
public interface IContainerRuntimeProbe
{
    ContainerRuntimeStatus Probe();
}

public sealed record ContainerRuntimeStatus(bool IsHealthy, string Description);

/// <summary>
/// Asks the runtime Aspire would use (ASPIRE_CONTAINER_RUNTIME, else docker then podman) for its
/// server version. A client without an engine behind it (as on machines without Docker) is not healthy.
/// </summary>
public sealed class ContainerRuntimeProbe : IContainerRuntimeProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private ContainerRuntimeStatus? _status;

    public ContainerRuntimeStatus Probe() => _status ??= ProbeOnce();

    private static ContainerRuntimeStatus ProbeOnce()
    {
        var configured = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME")
                         ?? Environment.GetEnvironmentVariable("DOTNET_ASPIRE_CONTAINER_RUNTIME");
        string[] candidates = configured is { Length: > 0 } ? [configured] : ["docker", "podman"];

        var findings = new List<string>();
        foreach (var runtime in candidates)
        {
            var (answered, detail) = AskServerVersion(runtime);
            if (answered)
            {
                return new ContainerRuntimeStatus(true, $"{runtime} engine {detail} answered");
            }

            findings.Add($"{runtime}: {detail}");
        }

        return new ContainerRuntimeStatus(false, $"no healthy container runtime ({string.Join("; ", findings)})");
    }

    private static (bool Answered, string Detail) AskServerVersion(string runtime)
    {
        var startInfo = new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        try
        {
            using var process = Process.Start(startInfo)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return (false, $"'{runtime} info' did not answer within {Timeout.TotalSeconds:0} s");
            }

            var version = stdout.Result.Trim();
            if (process.ExitCode == 0 && version.Length > 0)
            {
                return (true, version);
            }

            var reason = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
            return (false, $"installed, but its engine did not answer ({reason ?? $"exit code {process.ExitCode}"})");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (false, "not installed");
        }
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace HpcAspire.AppHost.Infrastructure;

/// <summary>Whether a container runtime that can run the brokers answers on this machine.</summary>
public interface IContainerRuntimeProbe
{
    ContainerRuntimeStatus Probe();
}

/// <param name="Runtime">The runtime that answered (docker or podman), else null.</param>
/// <param name="IsConfigured">Whether the runtime was named by configuration rather than found by trying each.</param>
public sealed record ContainerRuntimeStatus(bool IsHealthy, string Description, string? Runtime = null, bool IsConfigured = false);

/// <summary>
/// Asks the runtime Aspire would use (configured as Aspire reads it: <c>ASPIRE_CONTAINER_RUNTIME</c>, then
/// <c>DOTNET_ASPIRE_CONTAINER_RUNTIME</c>, from configuration, which includes the environment; else docker, then podman)
/// for its server version. A client without an engine behind it (as on machines without Docker) is not healthy.
/// </summary>
/// <param name="executableDirectory">Where to find the runtimes' executables; null for the PATH.</param>
public sealed class ContainerRuntimeProbe(IConfiguration configuration, string? executableDirectory = null) : IContainerRuntimeProbe
{
    internal const string RuntimeKey = "ASPIRE_CONTAINER_RUNTIME";
    internal const string LegacyRuntimeKey = "DOTNET_ASPIRE_CONTAINER_RUNTIME";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private ContainerRuntimeStatus? _status;

    public ContainerRuntimeStatus Probe() => _status ??= ProbeOnce();

    /// <summary>
    /// The Go template that prints the engine's version, which only a running engine answers. The two runtimes
    /// name it differently: podman's info has no ServerVersion field.
    /// </summary>
    internal static string ServerVersionFormat(string runtime) =>
        Path.GetFileName(runtime).StartsWith("podman", StringComparison.OrdinalIgnoreCase) ? "{{.Version.Version}}" : "{{.ServerVersion}}";

    private ContainerRuntimeStatus ProbeOnce()
    {
        var configured = configuration[RuntimeKey] is { Length: > 0 } runtimeSetting ? runtimeSetting : configuration[LegacyRuntimeKey];
        var isConfigured = configured is { Length: > 0 };
        string[] candidates = isConfigured ? [configured!] : ["docker", "podman"];

        var findings = new List<string>();
        foreach (var runtime in candidates)
        {
            var (answered, detail) = AskServerVersion(runtime);
            if (answered)
            {
                return new ContainerRuntimeStatus(true, $"{runtime} engine {detail} answered", runtime, isConfigured);
            }

            findings.Add($"{runtime}: {detail}");
        }

        return new ContainerRuntimeStatus(false, $"no healthy container runtime ({string.Join("; ", findings)})", IsConfigured: isConfigured);
    }

    private (bool Answered, string Detail) AskServerVersion(string runtime)
    {
        var executable = executableDirectory is null ? runtime : Path.Combine(executableDirectory, runtime);
        var startInfo = new ProcessStartInfo(executable, ["info", "--format", ServerVersionFormat(runtime)])
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

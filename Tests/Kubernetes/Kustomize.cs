using System.Diagnostics;

namespace HpcAspire.Tests.Kubernetes;

/// <summary>Runs <c>kubectl kustomize</c> (kustomize is built into kubectl) on a folder; no cluster needed.</summary>
internal static class Kustomize
{
    public static string Build(string directory)
    {
        var start = new ProcessStartInfo("kubectl", ["kustomize", directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception missing)
        {
            throw new InvalidOperationException("kubectl is not on PATH; the Kubernetes tests need it (it bundles kustomize).", missing);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"kubectl kustomize {directory} did not finish in 60 s.");
            }

            Assert.True(process.ExitCode == 0, $"kubectl kustomize {directory} failed:\n{errors.Result}");
            return output.Result;
        }
    }
}

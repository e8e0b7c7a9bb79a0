using System.Diagnostics;
using System.Text;

namespace HpcAspire.Tests.Support;

/// <summary>
/// A service's real build run as a child process (<c>dotnet HpcAspire.&lt;Service&gt;.dll</c>) against a
/// given cluster and registry, so a test can kill it like a crash (SIGKILL: no shutdown code runs)
/// or stop it like an orchestrator (SIGTERM).
/// </summary>
internal sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private readonly string _service;

    private ServiceProcess(string service, Process process) => (this._service, this._process) = (service, process);

    public string Output
    {
        get { lock (_output) { return _output.ToString(); } }
    }

    public bool HasExited => _process.HasExited;

    /// <param name="service">The project under Services/, e.g. Sink or Processor.</param>
    public static ServiceProcess Start(string service, string bootstrapServers, string registryUrl, params string[] settings)
    {
        var build = BuildDirectory(service);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = build };
        start.ArgumentList.Add(Path.Combine(build, $"HpcAspire.{service}.dll"));
        foreach (var argument in (string[])[
            $"--ConnectionStrings:kafka={bootstrapServers}",
            $"--ConnectionStrings:schema-registry={registryUrl}",
            "--urls=http://127.0.0.1:0",
            "--Messaging:Kafka:StatisticsIntervalMs=0",
            // The mock answers an empty fetch only after fetch.wait.max.ms; a killed member must leave the group quickly.
            "--Messaging:Kafka:Consumer:fetch.wait.max.ms=20",
            "--Messaging:Kafka:Consumer:session.timeout.ms=6000",
            "--Messaging:Kafka:Consumer:heartbeat.interval.ms=500",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:HpcAspire=Information",
            .. settings])
        {
            start.ArgumentList.Add(argument);
        }

        var child = new ServiceProcess(service, Process.Start(start)!);
        child._process.OutputDataReceived += (_, line) => child.Append(line.Data);
        child._process.ErrorDataReceived += (_, line) => child.Append(line.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>SIGKILL: the service gets no chance to flush or checkpoint.</summary>
    public void Crash()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as an orchestrator stops a service; returns its exit code.</summary>
    public int Stop(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        if (!_process.WaitForExit(timeout))
        {
            Crash();
            throw new TimeoutException($"The {_service} did not stop within {timeout}.\n{Output}");
        }

        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Crash();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static string BuildDirectory(string service)
    {
        // The tests run from Tests/bin/<Configuration>/<tfm>; a service builds into Services/<Service>/bin/<Configuration>/<tfm>.
        var testBuild = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = testBuild.Name;
        var configuration = testBuild.Parent!.Name;
        var repository = testBuild.Parent.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(repository, "Services", service, "bin", configuration, tfm);
    }
}

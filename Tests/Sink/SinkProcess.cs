using System.Diagnostics;
using System.Text;

namespace HpcAspire.Tests.Sink;

/// <summary>
/// The sink's real build run as a child process (<c>dotnet HpcAspire.Sink.dll</c>), so a test can
/// kill it like a crash (SIGKILL: no shutdown code runs) or stop it like an orchestrator (SIGTERM).
/// </summary>
internal sealed class SinkProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private SinkProcess(Process process) => this.process = process;

    public string Output
    {
        get { lock (output) { return output.ToString(); } }
    }

    public bool HasExited => process.HasExited;

    public static SinkProcess Start(string bootstrapServers, string registryUrl, string outputDirectory, params string[] settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = SinkBuildDirectory() };
        start.ArgumentList.Add(Path.Combine(SinkBuildDirectory(), "HpcAspire.Sink.dll"));
        foreach (var argument in (string[])[
            $"--ConnectionStrings:kafka={bootstrapServers}",
            $"--ConnectionStrings:schema-registry={registryUrl}",
            $"--Sink:OutputDirectory={outputDirectory}",
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

        var sink = new SinkProcess(Process.Start(start)!);
        sink.process.OutputDataReceived += (_, line) => sink.Append(line.Data);
        sink.process.ErrorDataReceived += (_, line) => sink.Append(line.Data);
        sink.process.BeginOutputReadLine();
        sink.process.BeginErrorReadLine();
        return sink;
    }

    /// <summary>SIGKILL: the sink gets no chance to flush or checkpoint.</summary>
    public void Crash()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>SIGTERM, as an orchestrator stops a service; returns its exit code.</summary>
    public int Stop(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        if (!process.WaitForExit(timeout))
        {
            Crash();
            throw new TimeoutException($"The sink did not stop within {timeout}.\n{Output}");
        }

        process.WaitForExit(); // drains the output readers
        return process.ExitCode;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            Crash();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string SinkBuildDirectory()
    {
        // The tests run from Tests/bin/<Configuration>/<tfm>; the sink builds into Services/Sink/bin/<Configuration>/<tfm>.
        var testBuild = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = testBuild.Name;
        var configuration = testBuild.Parent!.Name;
        var repository = testBuild.Parent.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(repository, "Services", "Sink", "bin", configuration, tfm);
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace HpcAspire.Benchmarks;

/// <summary>
/// The pipeline verbs' options, after the rates on the command line:
/// <c>--results &lt;runs.csv&gt;</c> appends a row per run (docs/results/pipeline/runs.csv's columns);
/// <c>--budget &lt;stage-budget.csv&gt;</c> and <c>--label &lt;name&gt;</c> append each run's latency budget;
/// <c>--cold</c> marks the first run as cold (the first after a build); <c>--logs &lt;folder&gt;</c> is where the services'
/// logs go (a temporary folder by default); <c>--lead &lt;s&gt;</c> is how long after the start the generators' first tick is due;
/// <c>--set Key=Value</c> (repeatable) passes a setting to the AppHost, e.g. <c>--set Processor:BatchMilliseconds=200</c>;
/// <c>--warmup &lt;s&gt;</c> and <c>--measured &lt;s&gt;</c> are the warm-up and the measured window (15 s and 60 s by default).
/// </summary>
internal sealed record PipelineRunOptions(string? ResultsFile, string? BudgetFile, string Label, bool Cold, string LogDirectory, int LeadSeconds,
    IReadOnlyList<string> Settings)
{
    public const string Usage = "[--results runs.csv] [--budget stage-budget.csv --label name] [--cold] [--logs folder] [--lead seconds] [--set Key=Value …] " +
                                "[--warmup seconds] [--measured seconds]";

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan Measured { get; init; } = TimeSpan.FromSeconds(60);

    public static PipelineRunOptions FromCommandLine() => Parse(Environment.GetCommandLineArgs().Skip(1).ToList());

    public static PipelineRunOptions Parse(IReadOnlyList<string> args)
    {
        var settings = new List<string>();
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == "--set")
            {
                settings.Add(args[i + 1]);
            }
        }

        return new PipelineRunOptions(Option("--results"), Option("--budget"), Option("--label") ?? "run", args.Contains("--cold"),
            Option("--logs") ?? Path.Combine(Path.GetTempPath(), "hpcaspire-benchmark", "logs"),
            int.Parse(Option("--lead") ?? "60", CultureInfo.InvariantCulture), settings)
        {
            Warmup = TimeSpan.FromSeconds(double.Parse(Option("--warmup") ?? "15", CultureInfo.InvariantCulture)),
            Measured = TimeSpan.FromSeconds(double.Parse(Option("--measured") ?? "60", CultureInfo.InvariantCulture)),
        };

        string? Option(string name) => args.Select((a, i) => (a, i)).Where(x => x.a == name && x.i + 1 < args.Count).Select(x => args[x.i + 1]).FirstOrDefault();
    }

    /// <summary>The words of the command line that are options or their values (so the verbs' positional numbers skip them).</summary>
    public static bool IsPositional(IReadOnlyList<string> args, int index) =>
        !args[index].StartsWith("--", StringComparison.Ordinal) &&
        (index == 0 || args[index - 1] is not ("--results" or "--budget" or "--label" or "--logs" or "--lead" or "--set" or "--warmup" or "--measured" or "--repeats"));
}

/// <summary>Every log line of the AppHost and of the services' consoles, to one file, so the benchmark's console shows only its progress and results.</summary>
internal sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private readonly StreamWriter _writer = new(path, append: true) { AutoFlush = true };
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new();

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, category => new FileLogger(this, category));

    public void Dispose()
    {
        lock (_writer)
        {
            _writer.Dispose();
        }
    }

    private void Write(string line)
    {
        lock (_writer)
        {
            if (_writer.BaseStream.CanWrite)
            {
                _writer.WriteLine(line);
            }
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Write($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : $"\n{exception}")}");
    }
}

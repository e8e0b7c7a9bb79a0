using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace HpcAspire.Benchmarks;

/// <summary>
/// What a service allocates, by type and by the stack that allocates it, from a trace of its allocation ticks: the
/// runtime samples one allocation about every 100 KB, so the shares are of bytes. Record the trace while a pipeline
/// run is measuring, then read it here:
/// <code>
/// dotnet-trace collect -p &lt;pid&gt; --profile gc-verbose --duration 00:00:00:08 -o /tmp/processor.nettrace
/// dotnet run -c Release --project Tests/Benchmarks -- allocations /tmp/processor.nettrace
/// </code>
/// </summary>
internal static class AllocationProfile
{
    public static int Run(string path, int frames)
    {
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"allocations: no trace at {path}; record one with dotnet-trace collect --profile gc-verbose (see AllocationProfile.cs)");
            return 2;
        }

        Console.Error.WriteLine($"allocations: reading {path} (symbols of the JIT-compiled frames come from the trace's rundown)");
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(path));
        var byType = new Dictionary<string, long>();
        var byStack = new Dictionary<string, long>();
        long total = 0;
        double first = double.NaN, last = 0;
        foreach (var traceEvent in log.Events) // TraceEvents enumerates only as IEnumerable<TraceEvent>
        {
            if (traceEvent is not GCAllocationTickTraceData tick)
            {
                continue;
            }

            total += tick.AllocationAmount64;
            first = double.IsNaN(first) ? tick.TimeStampRelativeMSec : first;
            last = tick.TimeStampRelativeMSec;
            byType[tick.TypeName] = byType.GetValueOrDefault(tick.TypeName) + tick.AllocationAmount64;
            var stack = new List<string>();
            for (var frame = tick.CallStack(); frame is not null && stack.Count < frames; frame = frame.Caller)
            {
                stack.Add(frame.CodeAddress.FullMethodName is { Length: > 0 } name ? name : $"{frame.CodeAddress.ModuleName}!?");
            }

            var key = $"{tick.TypeName} <- {string.Join(" <- ", stack)}";
            byStack[key] = byStack.GetValueOrDefault(key) + tick.AllocationAmount64;
        }

        if (total == 0)
        {
            Console.Error.WriteLine("allocations: the trace has no allocation ticks; was it recorded with --profile gc-verbose?");
            return 1;
        }

        Console.WriteLine($"{total / 1e6:F1} MB sampled over {(last - first) / 1000:F1} s");
        Console.WriteLine("| share | MB | type |");
        Console.WriteLine("|---|---|---|");
        foreach (var (type, bytes) in byType.OrderByDescending(t => t.Value).Take(30))
        {
            Console.WriteLine($"| {100.0 * bytes / total:F1} % | {bytes / 1e6:F1} | `{type}` |");
        }

        Console.WriteLine();
        Console.WriteLine("| share | type <- allocating frames |");
        Console.WriteLine("|---|---|");
        foreach (var (stack, bytes) in byStack.OrderByDescending(s => s.Value).Take(40))
        {
            Console.WriteLine($"| {100.0 * bytes / total:F1} % | `{stack}` |");
        }

        return 0;
    }
}

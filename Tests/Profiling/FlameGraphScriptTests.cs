using System.Diagnostics;
using HpcAspire.Tests.Kubernetes;

namespace HpcAspire.Tests.Profiling;

/// <summary>
/// Tests/Benchmarks/profiling/flamegraph.py, which turns perf's samples into Part 4's folded stacks, flame graphs and
/// top methods, on a perf script of known samples.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class FlameGraphScriptTests : IDisposable
{
    // Three samples of the processor's loop thread (leaf first, as perf script prints them): two in the Avro decoder
    // under Handle, one in Commit; a .NET frame's signature and tier are cut to Type::Method.
    private const string PerfScript = """
        HpcAspire.Proce 4242/4250 1000.000001:    3344556 cpu-clock:pppH:
        	    7f0000000010 instance class HpcAspire.Contracts.NodeReading [HpcAspire.Contracts] HpcAspire.Contracts.AvroBinary::ReadReading(value class System.ReadOnlySpan`1<uint8>)[OptimizedTier1] (/tmp/perf-4242.map)
        	    7f0000000020 instance void [HpcAspire.Processor] HpcAspire.Processor.ProcessingSession::Handle(class Confluent.Kafka.ConsumeResult`2<string,uint8[]>)[OptimizedTier1] (/tmp/perf-4242.map)
        	    7f0000000030 instance void [HpcAspire.Processor] HpcAspire.Processor.ProcessingSession::Run(value class System.Threading.CancellationToken)[OSR] (/tmp/perf-4242.map)
        	    7f0000000040 start_thread (/usr/lib/x86_64-linux-gnu/libc.so.6)

        HpcAspire.Proce 4242/4250 1000.003001:    3344556 cpu-clock:pppH:
        	    7f0000000011 instance class HpcAspire.Contracts.NodeReading [HpcAspire.Contracts] HpcAspire.Contracts.AvroBinary::ReadReading(value class System.ReadOnlySpan`1<uint8>)[Tier0] (/tmp/perf-4242.map)
        	    7f0000000020 instance void [HpcAspire.Processor] HpcAspire.Processor.ProcessingSession::Handle(class Confluent.Kafka.ConsumeResult`2<string,uint8[]>)[OptimizedTier1] (/tmp/perf-4242.map)
        	    7f0000000030 instance void [HpcAspire.Processor] HpcAspire.Processor.ProcessingSession::Run(value class System.Threading.CancellationToken)[OSR] (/tmp/perf-4242.map)
        	    7f0000000040 start_thread (/usr/lib/x86_64-linux-gnu/libc.so.6)

        HpcAspire.Proce 4242/4250 1000.006001:    3344556 cpu-clock:pppH:
        	    7f00000000a0 rd_kafka_txn_commit (/usr/lib/librdkafka.so.1)
        	    7f0000000050 instance void [HpcAspire.Processor] HpcAspire.Processor.ProcessingSession::Commit(bool)[OptimizedTier1] (/tmp/perf-4242.map)
        	    7f0000000030 instance void [HpcAspire.Processor] HpcAspire.Processor.ProcessingSession::Run(value class System.Threading.CancellationToken)[OSR] (/tmp/perf-4242.map)
        	    7f0000000040 start_thread (/usr/lib/x86_64-linux-gnu/libc.so.6)

        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("flamegraph-").FullName;

    private static string Script => Path.Combine(RepositoryFiles.Root, "Tests", "Benchmarks", "profiling", "flamegraph.py");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Perf_samples_fold_into_one_stack_per_path_root_first_with_each_method_named_once_whatever_its_tier()
    {
        var folded = Fold();

        Assert.Equal(
        [
            "[thread] HpcAspire.Proce;start_thread (libc.so.6);HpcAspire.Processor.ProcessingSession::Run;HpcAspire.Processor.ProcessingSession::Commit;rd_kafka_txn_commit (librdkafka.so.1) 1",
            "[thread] HpcAspire.Proce;start_thread (libc.so.6);HpcAspire.Processor.ProcessingSession::Run;HpcAspire.Processor.ProcessingSession::Handle;HpcAspire.Contracts.AvroBinary::ReadReading 2",
        ], File.ReadAllLines(folded));
    }

    [Fact]
    public void The_top_methods_are_ranked_by_samples_as_milliseconds_of_CPU_inclusive_and_exclusive()
    {
        // At 500 Hz a sample is 2 ms of CPU.
        var top = Python("top-md", Fold(), "500", "processor", "3");

        Assert.Contains("3 samples = 6 ms of CPU", top);
        Assert.Contains("| 1 | `HpcAspire.Processor.ProcessingSession::Run` | 6 | 100.0 | `HpcAspire.Contracts.AvroBinary::ReadReading` | 4 | 66.7 |", top);
        // Handle and the ReadReading under it tie at 4 ms inclusive: ties go by name.
        Assert.Contains("| 2 | `HpcAspire.Contracts.AvroBinary::ReadReading` | 4 | 66.7 | `rd_kafka_txn_commit (librdkafka.so.1)` | 2 | 33.3 |", top);
        Assert.Contains("| 3 | `HpcAspire.Processor.ProcessingSession::Handle` | 4 | 66.7 |", top);
    }

    [Fact]
    public void The_flame_graph_has_a_box_for_every_frame_named_in_its_tooltip()
    {
        var svg = Path.Combine(_directory, "processor.svg");

        Python("svg", Fold(), svg, "processor");

        var text = File.ReadAllText(svg);
        Assert.StartsWith("<svg", text);
        Assert.Contains("<title>HpcAspire.Processor.ProcessingSession::Handle (2 samples, 66.67 %)</title>", text);
        Assert.Contains("<title>rd_kafka_txn_commit (librdkafka.so.1) (1 samples, 33.33 %)</title>", text);
        Assert.Equal(7, text.Split("<rect x=").Length - 1); // the thread, start_thread, Run, Handle, ReadReading, Commit, rd_kafka_txn_commit
    }

    private string Fold()
    {
        var script = Path.Combine(_directory, "perf.txt");
        File.WriteAllText(script, PerfScript.Replace("\r\n", "\n"));
        var folded = Path.Combine(_directory, "processor.folded");
        Python("fold", script, folded);
        return folded;
    }

    private static string Python(params string[] args)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEnd();
        var error = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, $"flamegraph.py {string.Join(' ', args)} failed: {error}");
        return output;
    }
}

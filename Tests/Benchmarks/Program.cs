using HpcAspire.Benchmarks;
using HpcAspire.Benchmarks.ClusterExperiments;

// dotnet run -c Release --project Tests/Benchmarks -- raw [messages]
// dotnet run -c Release --project Tests/Benchmarks -- pipeline [rates…]   (readings/s offered, e.g. 1000 20000 50000)
// dotnet run -c Release --project Tests/Benchmarks -- all [rates…]        (raw, then the pipeline, in one run)
// dotnet run -c Release --project Tests/Benchmarks -- ceiling [start] [step] [top] [--repeats n] (the highest sustained rate, the median of n searches)
// dotnet run -c Release --project Tests/Benchmarks -- tracing [rate]      (one rate with traces sampled at 100 %, 1 % and off)
// dotnet run -c Release --project Tests/Benchmarks -- kafka-processors [rate] (the Kafka application with Processor:Instances 1, 2 and 4 at one offered rate)
// dotnet run -c Release --project Tests/Benchmarks -- raw-rabbitmq [messages]
// dotnet run -c Release --project Tests/Benchmarks -- rabbitmq-pipeline [processors] [rates…]
// dotnet run -c Release --project Tests/Benchmarks -- rabbitmq [rates…]   (raw RabbitMQ, then the RabbitMQ application with 1, 2 and 4 processors, in one run)
// dotnet run -c Release --project Tests/Benchmarks -- avro [messages] [--repeats n] [--quick] [--out file] (JSON, Apache.Avro and the contracts' codecs: bytes and CPU per message)
// dotnet run -c Release --project Tests/Benchmarks -- serialization-plots   (docs/images/bonus1-*.png from docs/results/bonus1)
// dotnet run -c Release --project Tests/Benchmarks -- runs-table [runs.csv]  (the medians of docs/results/pipeline/runs.csv per application, settings and rate)
// dotnet run -c Release --project Tests/Benchmarks -- latency-plots         (docs/images/latency-*.png from docs/results/latency)
// dotnet run -c Release --project Tests/Benchmarks -- compression [readings] (bytes per reading in a batch: none, LZ4, zstd)
// dotnet run -c Release --project Tests/Benchmarks -- allocations <trace.nettrace> [frames] (a service's allocations by type and stack, from dotnet-trace --profile gc-verbose)
// dotnet run -c Release --project Tests/Benchmarks -- cluster [--quick] [--bootstrap host:port,…] [--out folder] [--only e1,e2,e3] [--repeats n]
//                                                    (Part 2's cluster experiments, each cell on a fresh embedded cluster or on the given brokers)
// dotnet run -c Release --project Tests/Benchmarks -- profile [kafka|rabbitmq|both] [rates…] [--runs n] [--experiment name] [--env NAME=value …] [--quick]
//                                                    (Part 4's loop times per service from the loop stage histograms; `profile table` prints them)
// dotnet run -c Release --project Tests/Benchmarks -- cluster-plots [--results folder] [--images folder]   (PNGs from the cluster results files)
try
{
    return await RunAsync();
}
catch (ResourceNotReadyException)
{
    // Already reported (BoundedStart.ReportAndBoundTeardown), before the AppHost's teardown.
    return 3;
}
catch (ArgumentException badArgument)
{
    Console.Error.WriteLine(badArgument.Message); // a value on the command line, named with the fix
    return 2;
}

async Task<int> RunAsync() => args.FirstOrDefault() switch
{
    "raw" => await RawKafkaBenchmark.RunAsync(args.Skip(1).Select(int.Parse).FirstOrDefault(300_000)),
    "pipeline" => await PipelineBenchmark.RunAsync(PipelineTarget.Kafka, Rates()),
    "ceiling" => await SustainedCeiling.RunAsync(Positional(), args.SkipWhile(a => a != "--repeats").ElementAtOrDefault(1) is { } n ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : null),
    "kafka-processors" => await PipelineBenchmark.RunAsync(PipelineTarget.KafkaProcessors(1), Rates(fallback: 20_000))
                          | await PipelineBenchmark.RunAsync(PipelineTarget.KafkaProcessors(2), Rates(fallback: 20_000))
                          | await PipelineBenchmark.RunAsync(PipelineTarget.KafkaProcessors(4), Rates(fallback: 20_000)),
    "raw-rabbitmq" => await RawRabbitMQBenchmark.RunAsync(args.Skip(1).Select(int.Parse).FirstOrDefault(100_000)),
    "rabbitmq-pipeline" => await PipelineBenchmark.RunAsync(PipelineTarget.RabbitMQ(int.Parse(args.ElementAtOrDefault(1) ?? "1")), Rates(skip: 2)),
    "rabbitmq" => await RawRabbitMQBenchmark.RunAsync(100_000)
                  | await PipelineBenchmark.RunAsync(PipelineTarget.RabbitMQ(1), Rates())
                  | await PipelineBenchmark.RunAsync(PipelineTarget.RabbitMQ(2), Rates())
                  | await PipelineBenchmark.RunAsync(PipelineTarget.RabbitMQ(4), Rates()),
    "tracing" => await PipelineBenchmark.RunTracingAsync(args.Skip(1).Select(int.Parse).FirstOrDefault(8_000)),
    "avro" => AvroCodecBenchmark.Run(args[1..]),
    "serialization-plots" => HpcAspire.Benchmarks.Bonus1.SerializationPlots.Run(args[1..]),
    "compression" => CompressionBenchmark.Run(args.Skip(1).Select(int.Parse).FirstOrDefault(200_000)),
    "allocations" when args.Length > 1 => AllocationProfile.Run(args[1], args.Skip(2).Select(int.Parse).FirstOrDefault(5)),
    "cluster" => await ClusterExperimentRun.RunAsync(args[1..]),
    "cluster-plots" => ClusterPlots.Run(args[1..]),
    "latency-plots" => HpcAspire.Benchmarks.Latency.LatencyPlots.Run(args[1..]), // [results folder] [images folder]: docs/images/latency-*.png from docs/results/latency
    "profile" => await HpcAspire.Benchmarks.Profiling.ProfileCommand.RunAsync(args[1..]), // Part 4's loop times: see ProfileCommand.Usage
    "runs-table" => HpcAspire.Benchmarks.Figures.RunsTable.Run(args[1..]), // [runs.csv]: the medians per application, settings and rate, as docs/benchmarks.md gives them
    "figures" => HpcAspire.Benchmarks.Figures.FigureCommand.Run(args[1..]), // [results folder] [images folder]: every plot of the report from docs/results, with docs/images/figures.json
    "all" => await RawKafkaBenchmark.RunAsync(300_000) | await PipelineBenchmark.RunAsync(PipelineTarget.Kafka, Rates()),
    _ => Usage(),
};

// The numbers after the verb (and after its first <skip> - 1 words) that are not an option's value.
List<int> Positional(int skip = 1) => args.Where((_, i) => i >= skip && PipelineRunOptions.IsPositional(args, i)).Select(int.Parse).ToList();

List<int> Rates(int skip = 1, int? fallback = null) => Positional(skip) is { Count: > 0 } rates ? rates : fallback is { } rate ? [rate] : [1_000, 20_000, 50_000];

static int Usage()
{
    Console.Error.WriteLine("usage: raw [messages] | pipeline [offered readings/s …] | all [offered readings/s …] | tracing [offered readings/s]\n" +
                            "       kafka-processors [offered readings/s]\n" +
                            $"       {SustainedCeiling.Usage}\n" +
                            "       raw-rabbitmq [messages] | rabbitmq-pipeline [processors] [offered readings/s …] | rabbitmq [offered readings/s …]\n" +
                            "       avro [messages] [--repeats n] [--quick] | serialization-plots | latency-plots | runs-table [runs.csv] | compression [readings] | allocations <trace.nettrace> [frames]\n" +
                            $"       {ClusterExperimentOptions.Usage} | {ClusterPlots.Usage}\n" +
                            $"       {HpcAspire.Benchmarks.Profiling.ProfileCommand.Usage}");
    return 2;
}

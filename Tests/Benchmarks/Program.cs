using HpcAspire.Benchmarks;

// dotnet run -c Release --project Tests/Benchmarks -- raw [messages]
// dotnet run -c Release --project Tests/Benchmarks -- pipeline [rates…]   (readings/s offered, e.g. 1000 20000 50000)
// dotnet run -c Release --project Tests/Benchmarks -- all [rates…]        (raw, then the pipeline, in one run)
// dotnet run -c Release --project Tests/Benchmarks -- tracing [rate]      (one rate with traces sampled at 100 %, 1 % and off)
return args.FirstOrDefault() switch
{
    "raw" => await RawKafkaBenchmark.RunAsync(args.Skip(1).Select(int.Parse).FirstOrDefault(300_000)),
    "pipeline" => await PipelineBenchmark.RunAsync(Rates()),
    "tracing" => await PipelineBenchmark.RunTracingAsync(args.Skip(1).Select(int.Parse).FirstOrDefault(8_000)),
    "all" => await RawKafkaBenchmark.RunAsync(300_000) | await PipelineBenchmark.RunAsync(Rates()),
    _ => Usage(),
};

List<int> Rates() => args.Length > 1 ? args.Skip(1).Select(int.Parse).ToList() : [1_000, 20_000, 50_000];

static int Usage()
{
    Console.Error.WriteLine("usage: raw [messages] | pipeline [offered readings/s …] | all [offered readings/s …] | tracing [offered readings/s]");
    return 2;
}

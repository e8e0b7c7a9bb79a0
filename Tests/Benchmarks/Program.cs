using HpcAspire.Benchmarks;

// dotnet run -c Release --project Tests/Benchmarks -- raw [messages]
// dotnet run -c Release --project Tests/Benchmarks -- pipeline [rates…]   (readings/s offered, e.g. 1000 20000 50000)
return args.FirstOrDefault() switch
{
    "raw" => await RawKafkaBenchmark.RunAsync(args.Skip(1).Select(int.Parse).FirstOrDefault(300_000)),
    "pipeline" => await PipelineBenchmark.RunAsync(args.Length > 1 ? args.Skip(1).Select(int.Parse).ToList() : [1_000, 20_000, 50_000]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: raw [messages] | pipeline [offered readings/s …]");
    return 2;
}

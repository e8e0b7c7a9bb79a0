namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// <c>cluster [--quick] [--bootstrap host:port,…] [--out folder] [--only e1,e2,e3] [--repeats n]</c>.
/// </summary>
internal sealed record ClusterExperimentOptions(bool Quick, string OutputDirectory, string? BootstrapServers, IReadOnlySet<string> Only, int Repeats)
{
    public const string DefaultOutput = "docs/results/part2";

    public const string Usage = "cluster [--quick] [--bootstrap host:port,…] [--out folder] [--only e1,e2,e3] [--repeats n]";

    public static ClusterExperimentOptions Parse(IReadOnlyList<string> args)
    {
        var quick = false;
        string? output = null, bootstrap = null;
        var only = new HashSet<string> { "e1", "e2", "e3" };
        var repeats = 3;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--out":
                    output = Value(args, ++i);
                    break;
                case "--bootstrap":
                    bootstrap = Value(args, ++i);
                    break;
                case "--only":
                    only = Value(args, ++i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
                    break;
                case "--repeats":
                    repeats = int.Parse(Value(args, ++i));
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}; usage: {Usage}");
            }
        }

        // A quick run is a check, not a result: it does not overwrite the committed full run unless told where to write.
        output ??= quick ? Path.Combine(Path.GetTempPath(), "hpcaspire-part2-quick") : DefaultOutput;
        return new ClusterExperimentOptions(quick, output, bootstrap, only, quick ? 1 : repeats);
    }

    private static string Value(IReadOnlyList<string> args, int i) =>
        i < args.Count ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value; usage: {Usage}");
}

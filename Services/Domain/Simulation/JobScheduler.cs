using HpcAspire.Contracts;

namespace HpcAspire.Domain.Simulation;

/// <summary>
/// A first-come-first-served batch scheduler over the cluster's nodes. It decides which jobs arrive,
/// start, and end at each tick, from its own random stream, so a process that only needs job
/// events can run it without simulating sensors.
/// </summary>
public sealed class JobScheduler
{
    private static readonly string[] Users = ["ada", "grace", "linus", "margaret", "alan", "barbara", "edsger", "frances"];
    private static readonly string[] Accounts = ["climate-lab", "genomics", "astro-sim", "materials", "ml-vision"];
    private static readonly string[] Workloads = ["cfd", "md", "training", "inference", "genome-assembly", "nbody"];

    private readonly ClusterOptions _options;
    private readonly Random _random;
    private readonly Queue<PlannedJob> _queue = new();
    private readonly List<RunningJob> _running = [];
    private readonly Dictionary<string, RunningJob> _runningById = [];
    private readonly string?[] _nodeJob;
    private DateTime _nextArrival;
    private int _jobSequence;

    public JobScheduler(ClusterOptions options)
    {
        _options = options;
        _random = new Random(options.Seed);
        _nodeJob = new string?[options.NodeCount];
        _nextArrival = options.StartTime;
    }

    /// <summary>The job each node runs now (null when idle), by node index.</summary>
    public IReadOnlyList<string?> NodeJobs => _nodeJob;

    /// <summary>The running job's GPU use per node, for the sensors: 0 when it asked for no GPUs.</summary>
    public double GpuShare(string jobId) =>
        _runningById.TryGetValue(jobId, out var job) && job.Plan.Request.GpusPerNode > 0 ? 1 : 0;

    /// <summary>Everything the scheduler does at <paramref name="now"/>: ends, then arrivals, then starts.</summary>
    public IReadOnlyList<JobEvent> Advance(DateTime now)
    {
        var events = new List<JobEvent>();

        foreach (var job in _running.Where(job => job.EndsAt <= now).OrderBy(job => job.Plan.JobId, StringComparer.Ordinal).ToList())
        {
            _running.Remove(job);
            _runningById.Remove(job.Plan.JobId);
            foreach (var node in job.Nodes)
            {
                _nodeJob[node] = null;
            }

            events.Add(Event(job.Plan, now, job.Ending, NodeNames(job.Nodes), job.ExitCode, job.Reason));
        }

        while (_nextArrival <= now)
        {
            var plan = PlanJob();
            _queue.Enqueue(plan);
            events.Add(Event(plan, now, JobState.Submitted, [], null, null));
            _nextArrival += TimeSpan.FromTicks((long)(-Math.Log(1 - _random.NextDouble()) * _options.MeanJobInterarrival.Ticks));
        }

        while (_queue.Count > 0 && FreeNodes().Count >= _queue.Peek().Request.Nodes)
        {
            var plan = _queue.Dequeue();
            var nodes = FreeNodes().Take(plan.Request.Nodes).ToArray();
            foreach (var node in nodes)
            {
                _nodeJob[node] = plan.JobId;
            }

            var running = Finish(plan, nodes, now);
            _running.Add(running);
            _runningById.Add(plan.JobId, running);
            events.Add(Event(plan, now, JobState.Started, NodeNames(nodes), null, null));
        }

        return events;
    }

    private PlannedJob PlanJob()
    {
        var nodes = 1 + (int)Math.Floor(Math.Pow(_random.NextDouble(), 2) * Math.Min(8, _options.NodeCount));
        var runtime = _options.MinJobRuntime + TimeSpan.FromTicks((long)(_random.NextDouble() * (_options.MaxJobRuntime - _options.MinJobRuntime).Ticks));
        var gpus = _random.NextDouble() < 0.4 ? 4 : 0;
        return new PlannedJob(
            $"job-{++_jobSequence:D6}",
            Users[_random.Next(Users.Length)],
            Accounts[_random.Next(Accounts.Length)],
            Workloads[_random.Next(Workloads.Length)],
            new ResourceRequest
            {
                Nodes = nodes,
                CpusPerNode = 64,
                GpusPerNode = gpus,
                MemoryGigabytesPerNode = _random.Next(2) == 0 ? 256 : 512,
                // Users over-ask: the limit is 1.2 to 2 times what the job will need.
                WallTimeSeconds = (int)(runtime.TotalSeconds * (1.2 + 0.8 * _random.NextDouble())),
            },
            runtime);
    }

    private RunningJob Finish(PlannedJob plan, int[] nodes, DateTime start)
    {
        // 85 % complete, 10 % fail, 5 % are cancelled part-way.
        var draw = _random.NextDouble();
        var (state, runtime, exitCode, reason) = draw switch
        {
            < 0.85 => (JobState.Completed, plan.Runtime, (int?)0, (string?)null),
            < 0.95 => (JobState.Failed, plan.Runtime * (0.2 + 0.6 * _random.NextDouble()), (int?)(1 + _random.Next(137)), $"exited with an error on {NodeNames(nodes)[0]}"),
            _ => (JobState.Cancelled, plan.Runtime * (0.1 + 0.5 * _random.NextDouble()), null, $"cancelled by {plan.User}"),
        };
        var ticks = Math.Max(1, (int)Math.Round(runtime / _options.ReadingInterval));
        return new RunningJob(plan, nodes, start + ticks * _options.ReadingInterval, state, exitCode, reason);
    }

    private List<int> FreeNodes() => Enumerable.Range(0, _options.NodeCount).Where(node => _nodeJob[node] is null).ToList();

    private static string[] NodeNames(IEnumerable<int> nodes) => nodes.Select(ClusterOptions.NodeName).ToArray();

    private static JobEvent Event(PlannedJob plan, DateTime now, JobState state, string[] nodes, int? exitCode, string? reason) => new()
    {
        JobId = plan.JobId,
        Timestamp = now,
        State = state,
        User = plan.User,
        Account = plan.Account,
        Requested = plan.Request,
        Nodes = nodes,
        ExitCode = exitCode,
        Reason = reason,
        Tags = new Dictionary<string, string> { ["workload"] = plan.Workload },
    };

    private sealed record PlannedJob(string JobId, string User, string Account, string Workload, ResourceRequest Request, TimeSpan Runtime);

    private sealed record RunningJob(PlannedJob Plan, int[] Nodes, DateTime EndsAt, JobState Ending, int? ExitCode, string? Reason);
}

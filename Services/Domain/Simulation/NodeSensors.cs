using HpcAspire.Contracts;

namespace HpcAspire.Domain.Simulation;

/// <summary>
/// The nodes' sensors. Load follows the job on the node, power follows load, and temperatures
/// follow power with thermal inertia; anomaly episodes (overheating, power spikes) start at random.
/// Its own random stream keeps the scheduler's decisions independent of how many readings are made.
/// </summary>
public sealed class NodeSensors
{
    public const double IdlePowerWatts = 110;
    public const double CpuPowerWatts = 280;
    public const double GpuPowerWatts = 1_200;
    public const double AmbientCelsius = 24;

    // Fraction of the gap to the steady-state temperature closed per second.
    private const double ThermalResponsePerSecond = 0.08;
    private const int OverheatingTicks = 20;
    private const int OverheatingExtraCelsius = 70;
    private const double PowerSpikeFactor = 1.8;

    private readonly ClusterOptions _options;
    private readonly Random _random;
    private readonly NodeState[] _nodes;

    public NodeSensors(ClusterOptions options)
    {
        _options = options;
        _random = new Random(unchecked(options.Seed * 31 + 7));
        _nodes = Enumerable.Range(0, options.NodeCount).Select(_ => new NodeState()).ToArray();
    }

    /// <summary>One reading per node at <paramref name="now"/>, in node order.</summary>
    public NodeReading[] Sample(DateTime now, JobScheduler scheduler)
    {
        var readings = new NodeReading[_nodes.Length];
        var response = 1 - Math.Pow(1 - ThermalResponsePerSecond, _options.ReadingInterval.TotalSeconds);
        for (var i = 0; i < _nodes.Length; i++)
        {
            var node = _nodes[i];
            var job = scheduler.NodeJobs[i];
            var cpu = job is null ? 0.02 + 0.03 * _random.NextDouble() : Math.Clamp(0.75 + 0.2 * _random.NextDouble() + 0.05 * Gaussian(), 0, 1);
            var gpu = job is null ? 0 : scheduler.GpuShare(job) * Math.Clamp(0.6 + 0.35 * _random.NextDouble(), 0, 1);

            var power = IdlePowerWatts + CpuPowerWatts * cpu + GpuPowerWatts * gpu + 5 * Gaussian();
            if (_random.NextDouble() < _options.AnomalyRate)
            {
                StartAnomaly(node);
            }

            if (node.PowerSpike)
            {
                power *= PowerSpikeFactor;
                node.PowerSpike = false;
            }

            var extraHeat = node.OverheatingTicksLeft-- > 0 ? OverheatingExtraCelsius : 0;
            node.CpuTemperature += (AmbientCelsius + 0.09 * (IdlePowerWatts + CpuPowerWatts * cpu) + extraHeat - node.CpuTemperature) * response;
            node.GpuTemperature += (AmbientCelsius + 6 + 0.045 * GpuPowerWatts * gpu - node.GpuTemperature) * response;

            readings[i] = new NodeReading
            {
                NodeId = ClusterOptions.NodeName(i),
                Timestamp = now,
                CpuTemperatureCelsius = Math.Round(node.CpuTemperature + 0.3 * Gaussian(), 2),
                GpuTemperatureCelsius = Math.Round(node.GpuTemperature + 0.3 * Gaussian(), 2),
                PowerWatts = Math.Round(Math.Max(0, power), 1),
                CpuUtilization = Math.Round(cpu, 3),
                GpuUtilization = Math.Round(gpu, 3),
            };
        }

        return readings;
    }

    private void StartAnomaly(NodeState node)
    {
        if (_random.Next(2) == 0)
        {
            node.OverheatingTicksLeft = OverheatingTicks;
        }
        else
        {
            node.PowerSpike = true;
        }
    }

    private double Gaussian() =>
        Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());

    private sealed class NodeState
    {
        public double CpuTemperature = AmbientCelsius + 10;
        public double GpuTemperature = AmbientCelsius + 6;
        public int OverheatingTicksLeft;
        public bool PowerSpike;
    }
}

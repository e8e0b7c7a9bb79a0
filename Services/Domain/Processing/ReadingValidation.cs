using HpcAspire.Contracts;

namespace HpcAspire.Domain.Processing;

/// <summary>Why a message is invalid in the domain: it is dead-lettered with this reason, never dropped.</summary>
public static class ReadingValidation
{
    /// <summary>The problem with a reading, or null when it is valid for a cluster of these nodes.</summary>
    public static string? Problem(NodeReading reading, IReadOnlySet<string> knownNodes)
    {
        if (!knownNodes.Contains(reading.NodeId))
        {
            return $"reading for node '{reading.NodeId}', which is not in the cluster";
        }

        // Checked one by one: this runs for every reading, and an array of the five was a tenth of a kilobyte each time.
        if (!double.IsFinite(reading.PowerWatts) || !double.IsFinite(reading.CpuTemperatureCelsius) || !double.IsFinite(reading.GpuTemperatureCelsius)
            || !double.IsFinite(reading.CpuUtilization) || !double.IsFinite(reading.GpuUtilization))
        {
            return $"reading of {reading.NodeId} at {reading.Timestamp:O} has a value that is not a finite number";
        }

        if (reading.PowerWatts < 0)
        {
            return $"reading of {reading.NodeId} at {reading.Timestamp:O} has negative power {reading.PowerWatts} W";
        }

        return reading.CpuUtilization is < 0 or > 1 || reading.GpuUtilization is < 0 or > 1
            ? $"reading of {reading.NodeId} at {reading.Timestamp:O} has a utilization outside 0 to 1"
            : null;
    }
}

using System.Diagnostics;
using HpcAspire.Contracts;
using HpcAspire.Messaging;

namespace HpcAspire.Processor.Core;

/// <summary>An enriched reading to send, with the trace of the reading it came from (empty when none is continued).</summary>
internal readonly record struct EnrichedOutput(EnrichedReading Reading, MessageTrace Trace);

/// <summary>A finished job's energy to send, linked to the traces of the shares it sums (null when none was sampled).</summary>
internal readonly record struct JobEnergyOutput(JobEnergy Energy, List<ActivityLink>? Links);

/// <summary>A record of the message being handled that must be dead-lettered: why, and which record of a batch (null for the whole message).</summary>
internal readonly record struct Rejection(DeadLetterReason Reason, string Error, int? Record);

/// <summary>
/// What <see cref="ProcessorCore"/> made and refused since the runner last sent it: the runner sends the outputs on its
/// broker (in its transaction, or confirmed before its acks), dead-letters the rejections of the message it just
/// handed in, and clears it.
/// </summary>
internal sealed class ProcessorOutbox
{
    public List<EnrichedOutput> EnrichedReadings { get; } = [];

    /// <summary>Each node's share of a finished run, for the owner of its job to add up.</summary>
    public List<JobEnergyPart> EnergyShares { get; } = [];

    public List<JobEnergyOutput> JobEnergies { get; } = [];

    /// <summary>Rejections of the message last handed in: dead-letter them with that message before the next.</summary>
    public List<Rejection> Rejections { get; } = [];

    public bool IsEmpty => EnrichedReadings.Count == 0 && EnergyShares.Count == 0 && JobEnergies.Count == 0 && Rejections.Count == 0;

    public void Reject(DeadLetterReason reason, string error, int? record) => Rejections.Add(new Rejection(reason, error, record));

    public void Clear()
    {
        EnrichedReadings.Clear();
        EnergyShares.Clear();
        JobEnergies.Clear();
        Rejections.Clear();
    }
}

using System.IO.Compression;
using System.Text.Json;
using HpcAspire.Contracts;
using HpcAspire.Domain.Processing;
using HpcAspire.Domain.Storage;

namespace HpcAspire.Processor.RabbitMQ;

/// <summary>Everything one RabbitMQ processor instance holds: the join's nodes and clock, and the job shares it is still adding up.</summary>
internal sealed record ProcessorState(DateTime? Clock, IReadOnlyList<NodeState> Nodes, IReadOnlyList<JobEnergyPart> PendingParts);

/// <summary>
/// The instance's state as one gzipped JSON file, replaced atomically (temp file, fsync, rename, directory fsync)
/// before the messages it covers are acked: a broker has no transaction to keep it in, so the disk is the checkpoint.
/// In Kubernetes this is a volume per instance (a StatefulSet), like the sink's.
/// </summary>
internal sealed class ProcessorStateFile(string directory, int instance)
{
    public string Path { get; } = System.IO.Path.Combine(directory, $"processor-{instance}.state.json.gz");

    public void Save(ProcessorState state)
    {
        DurableFileSystem.CreateDirectory(directory);
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, state, SnapshotJson.Options);
        }

        DurableFileSystem.ReplaceAtomically(Path, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
    }

    /// <summary>The last saved state, or null when the instance never checkpointed.</summary>
    public ProcessorState? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        using var gzip = new GZipStream(File.OpenRead(Path), CompressionMode.Decompress);
        return JsonSerializer.Deserialize<ProcessorState>(gzip, SnapshotJson.Options)
               ?? throw new InvalidDataException($"The processor state file {Path} is empty.");
    }
}

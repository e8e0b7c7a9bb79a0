using System.Globalization;
using Confluent.Kafka;
using HpcAspire.Sink.Storage;

namespace HpcAspire.Sink;

/// <summary>
/// The partitions this sink owns and their files. Every call comes from the consume loop's thread
/// (librdkafka runs rebalance handlers inside Consume), so nothing here is locked.
/// </summary>
internal sealed class AssignedPartitions(IReadOnlyDictionary<string, IResultTopic> topics, string outputDirectory,
    FileRotation rotation, TimeSpan duplicateWindow, TimeProvider clock, ILogger<AssignedPartitions> logger)
{
    private readonly Dictionary<TopicPartition, PartitionCsvFiles> _files = [];

    public PartitionCsvFiles this[TopicPartition partition] => _files[partition];

    public static string DirectoryOf(string outputDirectory, TopicPartition partition) =>
        Path.Combine(outputDirectory, partition.Topic, string.Create(CultureInfo.InvariantCulture, $"p{partition.Partition.Value:D2}"));

    /// <summary>Recovers each new partition's files and starts it at its checkpoint, not at Kafka's committed offset.</summary>
    public IEnumerable<TopicPartitionOffset> Assign(IEnumerable<TopicPartition> partitions)
    {
        var positions = new List<TopicPartitionOffset>();
        foreach (var partition in partitions)
        {
            if (!_files.TryGetValue(partition, out var partitionFiles))
            {
                partitionFiles = PartitionCsvFiles.Open(DirectoryOf(outputDirectory, partition), topics[partition.Topic].Header, rotation, duplicateWindow, clock);
                _files[partition] = partitionFiles;
            }

            // No checkpoint yet: nothing of it is on disk, so Kafka's committed offset (or the earliest) is right.
            var start = partitionFiles.NextOffset is { } next ? new Offset(next) : Offset.Unset;
            positions.Add(new TopicPartitionOffset(partition, start));
        }

        logger.LogInformation("Assigned {Partitions}", string.Join(", ", positions.Select(p => $"{p.TopicPartition}@{p.Offset}")));
        return positions;
    }

    /// <summary>Checkpoints and commits partitions about to go to another consumer, then lets them go.</summary>
    public void Revoke(IConsumer<string?, byte[]> consumer, IEnumerable<TopicPartition> partitions)
    {
        var leaving = partitions.Where(_files.ContainsKey).ToList();
        CheckpointAndCommit(consumer, leaving);
        Release(leaving);
        logger.LogInformation("Revoked {Partitions}", string.Join(", ", leaving));
    }

    /// <summary>Partitions lost without a rebalance may already be someone else's: drop them unwritten.</summary>
    public void Lose(IEnumerable<TopicPartition> partitions)
    {
        var lost = partitions.Where(_files.ContainsKey).ToList();
        Release(lost);
        logger.LogWarning("Lost {Partitions}; their rows since the last checkpoint will be written again by their next owner", string.Join(", ", lost));
    }

    public void CheckpointAndCommit(IConsumer<string?, byte[]> consumer) => CheckpointAndCommit(consumer, _files.Keys.ToList());

    /// <summary>Closes every file without a checkpoint, as a crash would.</summary>
    public void Abandon() => Release(_files.Keys.ToList());

    private void CheckpointAndCommit(IConsumer<string?, byte[]> consumer, IReadOnlyList<TopicPartition> partitions)
    {
        var offsets = new List<TopicPartitionOffset>();
        foreach (var partition in partitions)
        {
            if (_files[partition].Checkpoint() is { } checkpoint)
            {
                offsets.Add(new TopicPartitionOffset(partition, checkpoint.NextOffset));
            }
        }

        if (offsets.Count == 0)
        {
            return;
        }

        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException ex)
        {
            // The checkpoint is already durable and decides where a restart begins; the commit is a hint for lag.
            logger.LogWarning("Commit of {Count} offsets failed ({Reason}); the checkpoints stand", offsets.Count, ex.Error.Reason);
        }
    }

    private void Release(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _files[partition].Dispose();
            _files.Remove(partition);
        }
    }
}

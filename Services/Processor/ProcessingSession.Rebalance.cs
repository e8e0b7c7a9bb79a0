using Confluent.Kafka;

namespace HpcAspire.Processor;

// The group's rebalances: assigned partitions are restored from their snapshots
// (ProcessingSession.Snapshots.cs), revoked ones commit and are dropped, lost ones end the session.
internal sealed partial class ProcessingSession
{
    private ConsumerBuilder<string?, byte[]> WithRebalanceHandlers(ConsumerBuilder<string?, byte[]> builder) => builder
        .SetPartitionsAssignedHandler((_, partitions) => Restore(partitions))
        .SetPartitionsRevokedHandler((_, partitions) => Revoke(partitions))
        .SetPartitionsLostHandler((_, _) => throw new SessionRestartException("The group's partitions were lost: this session's transaction can no longer commit."));

    /// <summary>Hands partitions over: what is done so far commits, then their state is dropped here.</summary>
    private void Revoke(List<TopicPartitionOffset> partitions)
    {
        if (!_failed)
        {
            _jobEvents.Consume();
            DrainJoin();
            _transaction.EnsureOpen();
            Commit(full: true);
        }

        foreach (var tp in partitions.Select(p => p.TopicPartition))
        {
            var partition = tp.Partition.Value;
            _nextOffset.Remove(tp);
            if (tp.Topic == _options.ReadingsTopic)
            {
                _ownedReadings.Remove(partition);
                _core.RevokeReadings(partition);
            }
            else
            {
                _core.RevokeShares(partition);
            }
        }

        _paused = false;
    }
}

using Confluent.Kafka;
using HpcAspire.Domain.Processing;

namespace HpcAspire.Processor;

// The state of the group's partitions as snapshots: written in every transaction with the offset it
// goes with, read back when a partition is assigned. Both sides are here so they change together.
internal sealed partial class ProcessingSession
{
    /// <summary>Snapshots the readings partitions whose state changed (all of them when <paramref name="full"/>) and every share partition.</summary>
    private void WriteSnapshots(bool full)
    {
        var jobEventOffsets = _jobEvents.Positions();
        var clocks = new Dictionary<int, DateTime>(_core.Clocks);
        var written = _core.ExportNodes(_ownedReadings.Where(p => full || _core.ChangedReadingInputs.Contains(p)));
        foreach (var (partition, nodes) in written)
        {
            WriteSnapshot(new PartitionSnapshot(_options.ReadingsTopic, partition, NextOffset(_options.ReadingsTopic, partition),
                jobEventOffsets, clocks, nodes, null, null));
        }

        foreach (var partition in _core.ShareInputs)
        {
            var tables = _jobEvents.Tables.Where(t => t.Partition % _partPartitions == partition).Select(t => t.Export()).ToList();
            WriteSnapshot(new PartitionSnapshot(_options.EnergyPartsTopic, partition, NextOffset(_options.EnergyPartsTopic, partition),
                jobEventOffsets, clocks, null, _core.PendingShares(partition), tables));
        }
    }

    private long NextOffset(string topic, int partition) =>
        _nextOffset.TryGetValue(new TopicPartition(topic, partition), out var offset) ? offset : -1;

    private void WriteSnapshot(PartitionSnapshot snapshot) =>
        _transaction.Produce(_options.StateTopic, snapshot.Partition % _statePartitions, snapshot.Key, SnapshotCodec.Serialize(snapshot));

    /// <summary>Takes on newly assigned partitions: the state of each from its snapshot matching the committed offset.</summary>
    private IEnumerable<TopicPartitionOffset> Restore(List<TopicPartition> partitions)
    {
        var committed = _group.Committed(partitions, BrokerTimeout).ToDictionary(c => c.TopicPartition, c => c.Offset.Value);
        var keys = partitions.Select(tp => PartitionSnapshot.KeyOf(tp.Topic, tp.Partition.Value)).ToHashSet(StringComparer.Ordinal);
        var found = SnapshotReader.Read(_consumerConfig, _options.StateTopic, partitions.Select(tp => tp.Partition.Value % _statePartitions), keys, _logger);
        var seek = new Dictionary<int, long>();
        void SeekAtMost(int q, long offset) => seek[q] = Math.Min(offset, seek.TryGetValue(q, out var current) ? current : long.MaxValue);

        foreach (var tp in partitions)
        {
            var partition = tp.Partition.Value;
            var offset = committed.TryGetValue(tp, out var c) && c >= 0 ? c : -1;
            var snapshot = found.TryGetValue(PartitionSnapshot.KeyOf(tp.Topic, partition), out var list) ? list[^1] : null;
            if (snapshot is null && offset >= 0)
            {
                _logger.LogError("No snapshot of {Topic}/{Partition} (committed offset {Offset}): its state is lost and starts empty", tp.Topic, partition, offset);
            }
            else if (snapshot is not null && snapshot.NextOffset != offset && !(_options.CommitGroupOffsets && offset <= snapshot.NextOffset))
            {
                // One transaction writes both, so they differ only where a broker shows aborted
                // transactions or drops transactional offset commits (librdkafka's mock does both);
                // with CommitGroupOffsets the group's commit follows the snapshot's by up to 250 ms.
                _logger.LogWarning("The snapshot of {Topic}/{Partition} is at offset {SnapshotOffset}, the group's commit at {Offset}: going on from the snapshot's",
                    tp.Topic, partition, snapshot.NextOffset, offset);
            }

            // The state and the offset it goes with come from one snapshot: the offset is stored with the state.
            _nextOffset[tp] = snapshot is { NextOffset: >= 0 } ? snapshot.NextOffset : offset;
            if (snapshot is not null)
            {
                foreach (var (q, jobOffset) in snapshot.JobEventOffsets)
                {
                    SeekAtMost(q, jobOffset);
                }

                foreach (var (q, time) in snapshot.Clocks)
                {
                    _core.AddClock(q, time);
                }
            }
            else
            {
                // A partition with no state has seen no job event: all of them are applied again.
                for (var q = 0; q < _jobEventPartitions; q++)
                {
                    SeekAtMost(q, 0);
                }
            }

            if (tp.Topic == _options.ReadingsTopic)
            {
                _ownedReadings.Add(partition);
                _core.ImportNodes(partition, snapshot?.Nodes ?? []);
            }
            else
            {
                _core.AssignShares(partition, snapshot?.PendingParts ?? []);
                for (var q = partition; q < _jobEventPartitions; q += _partPartitions)
                {
                    var table = snapshot?.JobTables?.FirstOrDefault(t => t.Partition == q) is { } state ? JobTable.Import(state) : new JobTable(q);
                    _jobEvents.Restore(table);
                    SeekAtMost(q, table.Position);
                }
            }
        }

        _jobEvents.Rewind(seek);
        _logger.LogInformation("Assigned {Partitions}; {Snapshots} restored from snapshots", string.Join(", ", partitions),
            partitions.Count(tp => found.ContainsKey(PartitionSnapshot.KeyOf(tp.Topic, tp.Partition.Value))));
        return partitions.Select(tp => new TopicPartitionOffset(tp, _nextOffset[tp] >= 0 ? new Offset(_nextOffset[tp]) : Offset.Unset));
    }
}

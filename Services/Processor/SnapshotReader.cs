using Confluent.Kafka;

namespace HpcAspire.Processor;

/// <summary>Reads a state partition from its start to its end and keeps every snapshot of the wanted keys, in log order.</summary>
internal static class SnapshotReader
{
    public static Dictionary<string, List<PartitionSnapshot>> Read(ConsumerConfig baseConfig, string topic, IEnumerable<int> partitions, ISet<string> keys, ILogger logger)
    {
        var config = new ConsumerConfig(baseConfig.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            GroupId = $"processor-state-reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
        };
        var found = new Dictionary<string, List<PartitionSnapshot>>(StringComparer.Ordinal);
        using var consumer = new ConsumerBuilder<string?, byte[]?>(config).SetLogHandler((_, _) => { }).Build();
        foreach (var partition in partitions.Distinct())
        {
            var tp = new TopicPartition(topic, partition);
            var marks = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
            if (marks.High.Value <= marks.Low.Value)
            {
                continue;
            }

            consumer.Assign(new TopicPartitionOffset(tp, marks.Low));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new SessionRestartException($"State partition {topic}/{partition} was not read to its end within 30 s.");
                }

                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is null)
                {
                    continue;
                }

                if (result.IsPartitionEOF)
                {
                    break;
                }

                if (result.Message.Key is { } key && keys.Contains(key) && result.Message.Value is { } value)
                {
                    try
                    {
                        if (SnapshotCodec.Deserialize(value) is { } snapshot)
                        {
                            (found.TryGetValue(key, out var list) ? list : found[key] = []).Add(snapshot);
                        }
                    }
                    catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException or EndOfStreamException)
                    {
                        logger.LogError(ex, "Unreadable snapshot {Key} at {Topic}/{Partition}@{Offset}", key, topic, partition, result.Offset.Value);
                    }
                }
            }

            consumer.Unassign();
        }

        return found;
    }
}

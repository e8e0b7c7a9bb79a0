using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using HpcAspire.AppHost.Infrastructure.Kafka.Embedded;
using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;
using HpcAspire.Messaging;

namespace HpcAspire.Benchmarks;

/// <summary>
/// What the readings cost on the wire and in the embedded cluster's 5 MiB per partition, with each compression:
/// the simulation's readings (2,000 nodes), framed as the generator frames them, keyed by node, with an unsampled
/// traceparent each, produced as the generator produces them (linger 50 ms), to a topic of 6 partitions.
/// Bytes per reading are librdkafka's own figures: the average size of the batches it sent over their average count.
/// </summary>
internal static class CompressionBenchmark
{
    private const int Partitions = 6;
    private const long RetainedBytesPerPartition = 5 * 1024 * 1024;

    public static int Run(int readings)
    {
        var simulation = new ClusterSimulation(new ClusterOptions { NodeCount = 2_000, StartTime = DateTime.UtcNow });
        var messages = new List<Message<string, byte[]>>(readings);
        var codec = AvroBinaryCodecs.For<NodeReading>()!;
        var writer = new AvroBinaryWriter();
        while (messages.Count < readings)
        {
            foreach (var reading in simulation.Next().Readings.Take(readings - messages.Count))
            {
                writer.Clear();
                writer.WriteBytes([0, 0, 0, 0, 1]); // Confluent framing: magic byte and a schema id
                codec.Write(reading, writer);
                var context = new System.Diagnostics.ActivityContext(System.Diagnostics.ActivityTraceId.CreateRandom(),
                    System.Diagnostics.ActivitySpanId.CreateRandom(), System.Diagnostics.ActivityTraceFlags.None);
                messages.Add(new Message<string, byte[]>
                {
                    Key = reading.NodeId, Value = writer.ToArray(), Headers = [new Header("traceparent", MessageTracing.TraceParent(context))],
                });
            }
        }

        Console.WriteLine($"compression: {readings:N0} simulated readings (2,000 nodes) with a traceparent each, linger 50 ms, {Partitions} partitions");
        Console.WriteLine("| compression | bytes per reading in a batch | readings per batch | readings the embedded cluster keeps per partition (5 MiB) |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var compression in new[] { CompressionType.None, CompressionType.Lz4, CompressionType.Zstd })
        {
            var (batchBytes, batchCount) = Produce(messages, compression);
            var perReading = batchBytes / batchCount;
            Console.WriteLine($"| {compression} | {perReading:F1} | {batchCount:F0} | {RetainedBytesPerPartition / perReading:N0} |");
        }

        return 0;
    }

    private static (double BatchBytes, double BatchCount) Produce(List<Message<string, byte[]>> messages, CompressionType compression)
    {
        using var cluster = new MockKafkaCluster();
        var bootstrap = cluster.Start(3);
        var topic = $"readings-{compression}".ToLowerInvariant();
        cluster.CreateTopic(topic, Partitions, 3);

        // Each statistics event covers the batches since the one before: their bytes, their count and their messages add up.
        var (bytes, batches, readings) = (0L, 0L, 0L);
        var events = new int[1]; // counted on librdkafka's thread, watched on this one
        void Add(string json)
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.GetProperty("topics").TryGetProperty(topic, out var stats))
            {
                bytes += stats.GetProperty("batchsize").GetProperty("sum").GetInt64();
                batches += stats.GetProperty("batchsize").GetProperty("cnt").GetInt64();
                readings += stats.GetProperty("batchcnt").GetProperty("sum").GetInt64();
            }

            Interlocked.Increment(ref events[0]);
        }

        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
               {
                   BootstrapServers = bootstrap, EnableIdempotence = true, Acks = Acks.All, LingerMs = 50, CompressionType = compression,
                   StatisticsIntervalMs = 200,
               }).SetLogHandler((_, _) => { }).SetStatisticsHandler((_, json) => Add(json)).Build())
        {
            foreach (var message in messages)
            {
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, message);
                        break;
                    }
                    catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(10));
                    }
                }
            }

            producer.Flush();
            // One more event: the window holding the last batches.
            for (var seen = Volatile.Read(ref events[0]); Volatile.Read(ref events[0]) <= seen + 1;)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }

        if (readings != messages.Count)
        {
            throw new InvalidOperationException($"The statistics counted {readings:N0} readings in batches, not {messages.Count:N0}.");
        }

        return ((double)bytes / batches, (double)readings / batches);
    }
}

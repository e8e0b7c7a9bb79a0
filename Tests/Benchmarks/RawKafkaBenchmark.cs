using System.Diagnostics;
using Avro.IO;
using Avro.Specific;
using Confluent.Kafka;
using HpcAspire.AppHost.Infrastructure.Kafka.Embedded;
using HpcAspire.Contracts;

namespace HpcAspire.Benchmarks;

/// <summary>
/// librdkafka alone on the embedded 3-broker cluster: produce N messages the size of a framed Avro
/// NodeReading (idempotent, acks=all, delivery handler), then consume them all with a group. The
/// pipeline's rate is reported as a fraction of this.
/// </summary>
internal static class RawKafkaBenchmark
{
    private const string Topic = "raw-readings";
    private const int Partitions = 6;

    public static async Task<int> RunAsync(int messages)
    {
        var size = FramedReadingSize();
        using var cluster = new MockKafkaCluster();
        var bootstrap = cluster.Start(3);
        cluster.CreateTopic(Topic, Partitions, 3);
        Console.WriteLine($"raw: {messages:N0} messages of {size} B (a framed Avro NodeReading) to {Partitions} partitions on 3 embedded brokers");

        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        var produce = Stopwatch.StartNew();
        long failed = 0;
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
               {
                   BootstrapServers = bootstrap, EnableIdempotence = true, Acks = Acks.All, LingerMs = 5,
               }).SetLogHandler((_, _) => { }).Build())
        {
            for (var i = 0; i < messages; i++)
            {
                while (true)
                {
                    try
                    {
                        producer.Produce(Topic, new Message<string, byte[]> { Key = $"node-{i % 64:D3}", Value = payload },
                            report => { if (report.Error.IsError) { Interlocked.Increment(ref failed); } });
                        break;
                    }
                    catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(10));
                    }
                }
            }

            producer.Flush();
        }

        produce.Stop();
        var consume = Stopwatch.StartNew();
        var consumed = await Task.Run(() =>
        {
            using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
            {
                BootstrapServers = bootstrap, GroupId = "raw-benchmark", AutoOffsetReset = AutoOffsetReset.Earliest, FetchWaitMaxMs = 10,
            }).SetLogHandler((_, _) => { }).Build();
            consumer.Subscribe(Topic);
            var count = 0;
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (count < messages && DateTime.UtcNow < deadline)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is not null)
                {
                    count++;
                }
            }

            consumer.Close();
            return count;
        });
        consume.Stop();

        var produceRate = messages / produce.Elapsed.TotalSeconds;
        var consumeRate = consumed / consume.Elapsed.TotalSeconds;
        var throughRate = consumed / (produce.Elapsed + consume.Elapsed).TotalSeconds;
        Console.WriteLine($"| raw librdkafka | {size} B | produce {produceRate:N0} msg/s | consume {consumeRate:N0} msg/s (incl. group join) | produce-then-consume {throughRate:N0} msg/s | failed {failed} | consumed {consumed:N0} |");
        return consumed == messages && failed == 0 ? 0 : 1;
    }

    /// <summary>Confluent framing (magic byte + schema id) plus the Avro body of a typical reading.</summary>
    internal static int FramedReadingSize()
    {
        var reading = new NodeReading
        {
            NodeId = "node-001", Timestamp = DateTime.UtcNow, CpuTemperatureCelsius = 61.23, GpuTemperatureCelsius = 48.7,
            PowerWatts = 812.4, CpuUtilization = 0.873, GpuUtilization = 0.641,
        };
        var stream = new MemoryStream();
        new SpecificDatumWriter<NodeReading>(reading.Schema).Write(reading, new BinaryEncoder(stream));
        return 5 + (int)stream.Length;
    }
}

using System.Text;
using Confluent.Kafka;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Tests.Support;

namespace HpcAspire.Tests.Sink;

[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class SinkDeadLetterTests
{
    [Fact]
    public async Task Bad_messages_go_to_the_dead_letters_with_their_origin_and_reason_and_the_good_ones_around_them_are_written()
    {
        await using var pipeline = SinkPipeline.Start();
        using var registry = pipeline.Registry.CreateClient();
        var valid = SampleResults.Serialize(registry, SinkPipeline.EnrichedReadings, SampleResults.Reading("node-001", 0));
        var unknownSchema = (byte[])valid.Clone();
        unknownSchema[1] = 0x7f;
        var invalidJob = SampleResults.Energy(777);
        invalidJob.EndTime = invalidJob.StartTime.AddMinutes(-5);

        var bad = new List<(string Reason, DeliveryResult<string, byte[]> Delivery)>();
        using (var producer = pipeline.CreateProducer())
        {
            async Task Send(string topic, string key, byte[] value, string? badReason = null)
            {
                var delivery = await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value });
                if (badReason is not null)
                {
                    bad.Add((badReason, delivery));
                }
            }

            // Same key as the good readings: the bad ones sit in the middle of a partition that must go on.
            for (var second = 0; second < 100; second++)
            {
                await Send(SinkPipeline.EnrichedReadings, "node-001", SampleResults.Serialize(registry, SinkPipeline.EnrichedReadings, SampleResults.Reading("node-001", second)));
                switch (second)
                {
                    case 10: await Send(SinkPipeline.EnrichedReadings, "node-001", [0x01, .. valid[1..]], nameof(DeadLetterReason.NotConfluentFramed)); break;
                    case 20: await Send(SinkPipeline.EnrichedReadings, "node-001", unknownSchema, nameof(DeadLetterReason.UnknownSchemaId)); break;
                    case 30: await Send(SinkPipeline.EnrichedReadings, "node-001", valid[..^6], nameof(DeadLetterReason.UndecodableBody)); break;
                }
            }

            for (var job = 0; job < 20; job++)
            {
                await Send(SinkPipeline.JobEnergy, $"job-{job:D5}", SampleResults.Serialize(registry, SinkPipeline.JobEnergy, SampleResults.Energy(job)));
            }

            await Send(SinkPipeline.JobEnergy, invalidJob.JobId, SampleResults.Serialize(registry, SinkPipeline.JobEnergy, invalidJob), nameof(DeadLetterReason.InvalidResult));
            await Send(SinkPipeline.JobEnergy, "job-99999", SampleResults.Serialize(registry, SinkPipeline.JobEnergy, SampleResults.Energy(99_999)));
        }

        using (var sink = pipeline.StartSink())
        {
            var written = await pipeline.Output.WaitForRowsAsync(SinkPipeline.EnrichedReadings, 100, TimeSpan.FromSeconds(40))
                && await pipeline.Output.WaitForRowsAsync(SinkPipeline.JobEnergy, 21, TimeSpan.FromSeconds(10));
            var letters = ReadDeadLetters(pipeline.BootstrapServers, bad.Count, TimeSpan.FromSeconds(20));
            Assert.Equal(0, sink.Stop(TimeSpan.FromSeconds(20)));
            Assert.True(written, sink.Output);

            Assert.Equal(100, pipeline.Output.Rows(SinkPipeline.EnrichedReadings).Count);
            Assert.Equal(21, pipeline.Output.Rows(SinkPipeline.JobEnergy).Count);
            Assert.DoesNotContain(pipeline.Output.Rows(SinkPipeline.JobEnergy), row => row.StartsWith(invalidJob.JobId + ",", StringComparison.Ordinal));

            Assert.Equal(bad.Count, letters.Count);
            foreach (var (reason, delivery) in bad)
            {
                var letter = Assert.Single(letters, l => Header(l, DeadLetterHeaders.SourceTopic) == delivery.Topic
                    && Header(l, DeadLetterHeaders.SourcePartition) == delivery.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    && Header(l, DeadLetterHeaders.SourceOffset) == delivery.Offset.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(reason, Header(letter, DeadLetterHeaders.Reason));
                Assert.False(string.IsNullOrWhiteSpace(Header(letter, DeadLetterHeaders.Error)));
                Assert.Equal("HpcAspire.Sink", Header(letter, DeadLetterHeaders.Service));
                Assert.Equal(delivery.Message.Key, letter.Key);
                Assert.Equal(delivery.Message.Value, letter.Value);
            }

        }
    }

    private static string? Header(Message<string?, byte[]> message, string name) =>
        message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;

    private static List<Message<string?, byte[]>> ReadDeadLetters(string bootstrapServers, int expected, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers, GroupId = $"verify-{Guid.NewGuid():N}", AutoOffsetReset = AutoOffsetReset.Earliest, FetchWaitMaxMs = 20,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(SinkPipeline.DeadLetters);
        var letters = new List<Message<string?, byte[]>>();
        var deadline = DateTime.UtcNow + timeout;
        while (letters.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: { } message })
            {
                letters.Add(message);
            }
        }

        // A short extra wait catches a letter sent twice.
        if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message: { } extra })
        {
            letters.Add(extra);
        }

        consumer.Close();
        return letters;
    }
}

using System.Diagnostics;
using Confluent.Kafka;
using Confluent.SchemaRegistry.Serdes;
using HpcAspire.Contracts;
using HpcAspire.Domain.Storage;
using HpcAspire.Tests.Support;
using Xunit.Abstractions;

namespace HpcAspire.Tests.Sink;

[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class SinkCrashRecoveryTests(ITestOutputHelper log)
{
    private const int Nodes = 100;
    private const int Readings = 20_000;
    private const int Jobs = 500;

    [Fact]
    public async Task A_sink_killed_mid_stream_and_restarted_writes_every_result_exactly_once()
    {
        await using var pipeline = SinkPipeline.Start();
        var expectedReadings = new HashSet<string>();
        using (var registry = pipeline.Registry.CreateClient())
        using (var producer = pipeline.CreateProducer())
        {
            var readingSerializer = new AvroSerializer<EnrichedReading>(registry);
            var energySerializer = new AvroSerializer<JobEnergy>(registry);
            for (var i = 0; i < Readings; i++)
            {
                var reading = SampleResults.Reading($"node-{i % Nodes:D3}", i / Nodes);
                expectedReadings.Add($"{CsvFormat.Timestamp(reading.Reading.Timestamp)},{reading.Reading.NodeId}");
                var value = await readingSerializer.SerializeAsync(reading, new SerializationContext(MessageComponentType.Value, SinkPipeline.EnrichedReadings));
                producer.Produce(SinkPipeline.EnrichedReadings, new Message<string, byte[]> { Key = reading.Reading.NodeId, Value = value });
            }

            for (var job = 0; job < Jobs; job++)
            {
                var energy = SampleResults.Energy(job);
                var value = await energySerializer.SerializeAsync(energy, new SerializationContext(MessageComponentType.Value, SinkPipeline.JobEnergy));
                producer.Produce(SinkPipeline.JobEnergy, new Message<string, byte[]> { Key = energy.JobId, Value = value });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        // Small files and batches: the crash falls between checkpoints, with rotations on both sides of it.
        string[] settings = ["--Sink:MaxFileBytes=200000", "--Sink:BatchSize=700"];
        var output = pipeline.Output;
        int rowsAtCrash;
        using (var first = pipeline.StartSink(settings))
        {
            Assert.True(await output.WaitForRowsAsync(SinkPipeline.EnrichedReadings, 4_000, TimeSpan.FromSeconds(40)), first.Output);
            first.Crash();
            rowsAtCrash = output.Rows(SinkPipeline.EnrichedReadings).Count;
            log.WriteLine($"Killed with {rowsAtCrash} enriched rows on disk");
        }

        Assert.True(rowsAtCrash < Readings, "The sink finished before it could be killed mid-stream.");

        var clock = Stopwatch.StartNew();
        using (var second = pipeline.StartSink(settings))
        {
            var done = await output.WaitForRowsAsync(SinkPipeline.EnrichedReadings, Readings, TimeSpan.FromSeconds(50))
                && await output.WaitForRowsAsync(SinkPipeline.JobEnergy, Jobs, TimeSpan.FromSeconds(10));
            log.WriteLine($"Restarted sink caught up in {clock.Elapsed.TotalSeconds:F1} s");
            await Task.Delay(1000); // a duplicate written late would show up now
            Assert.Equal(0, second.Stop(TimeSpan.FromSeconds(20)));
            Assert.True(done, second.Output);
            log.WriteLine(second.Output);
        }

        var readings = output.Rows(SinkPipeline.EnrichedReadings);
        var readingKeys = readings.Select(row => string.Join(',', row.Split(',')[..2])).ToList();
        Assert.Equal(Readings, readingKeys.Count);
        Assert.Equal(Readings, readingKeys.Distinct().Count());
        Assert.True(expectedReadings.SetEquals(readingKeys));

        var jobIds = output.Rows(SinkPipeline.JobEnergy).Select(row => row.Split(',')[0]).ToList();
        Assert.Equal(Enumerable.Range(0, Jobs).Select(j => $"job-{j:D5}").Order(), jobIds.Order());

        var readingHeader = CsvFormat.Record(ResultRows.EnrichedReadingHeader).TrimEnd();
        Assert.True(output.Files(SinkPipeline.EnrichedReadings).Count > 6, "Expected files rotated by size.");
        Assert.All(output.Files(SinkPipeline.EnrichedReadings), f => Assert.Equal(readingHeader, SinkOutput.Lines(f).First()));
        Assert.All(output.Files(SinkPipeline.JobEnergy), f => Assert.Equal(CsvFormat.Record(ResultRows.JobEnergyHeader).TrimEnd(), SinkOutput.Lines(f).First()));
    }
}

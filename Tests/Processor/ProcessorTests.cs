using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using HpcAspire.Contracts;
using HpcAspire.Domain.Simulation;
using HpcAspire.Messaging;
using HpcAspire.Messaging.Kafka;
using HpcAspire.Tests.Support;
using Xunit.Abstractions;

namespace HpcAspire.Tests.Processor;

[Trait(TestKinds.Trait, TestKinds.Component)]
public sealed class ProcessorTests(ITestOutputHelper log)
{
    private static readonly ClusterOptions Cluster = new()
    {
        NodeCount = 12, Seed = 7, StartTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), AnomalyRate = 0.005,
        MeanJobInterarrival = TimeSpan.FromSeconds(8), MaxJobRuntime = TimeSpan.FromMinutes(2),
    };

    // The generators' pace in the tests with a kill or a second instance: the input is still arriving when they happen.
    private const double LiveTicksPerSecond = 60;

    private static readonly Lazy<ExpectedResults> Expected = new(() => new ExpectedResults(Cluster, 600));

    private static readonly string[] ClusterSettings = [$"--Cluster:NodeCount={Cluster.NodeCount}"];

    [Fact]
    public async Task The_processor_writes_exactly_the_enriched_readings_and_job_energies_of_an_uninterrupted_join()
    {
        var expected = Expected.Value;
        await using var pipeline = ProcessorPipeline.Start();
        pipeline.ProduceAll(expected.Ticks);

        var clock = Stopwatch.StartNew();
        using var processor = pipeline.StartProcessor(0, ClusterSettings);
        var (readings, energies) = await WaitForResultsAsync(pipeline, expected, TimeSpan.FromSeconds(60));
        log.WriteLine($"Processed in {clock.Elapsed.TotalSeconds:F1} s");
        await Task.Delay(1000); // a duplicate written late would show now
        readings = pipeline.ReadAll<EnrichedReading>(ProcessorPipeline.Enriched);
        energies = pipeline.ReadAll<JobEnergy>(ProcessorPipeline.JobEnergy);

        AssertSameMultiset(expected.Readings.Select(ExpectedResults.Describe), readings.Select(r => ExpectedResults.Describe(r.Value)), processor.Output);
        AssertSameMultiset(expected.Energies.Select(ExpectedResults.Describe), energies.Select(e => ExpectedResults.Describe(e.Value)), processor.Output);
        AssertEnergyMatchesIndependentIntegration(expected, energies.Select(e => e.Value));
        Assert.All(readings, r => Assert.Equal(r.Value.Reading.NodeId, r.Key));
        Assert.All(energies, e => Assert.Equal(e.Value.JobId, e.Key));
        Assert.Empty(pipeline.ReadRaw(ProcessorPipeline.DeadLetters));
    }

    [Fact]
    public async Task A_processor_that_starts_behind_catches_up_with_long_transactions_and_writes_exactly_the_same_results()
    {
        var expected = Expected.Value;
        await using var pipeline = ProcessorPipeline.Start();
        pipeline.ProduceAll(expected.Ticks);

        // The whole input is waiting before the processor starts: far more than this threshold behind.
        using var processor = pipeline.StartProcessor(0, [.. ClusterSettings, "--Processor:CatchUpBacklog=1000", "--Processor:CatchUpBatchMilliseconds=400"]);
        await WaitForResultsAsync(pipeline, expected, TimeSpan.FromSeconds(60));
        await Task.Delay(1000);
        var readings = pipeline.ReadAll<EnrichedReading>(ProcessorPipeline.Enriched);
        var energies = pipeline.ReadAll<JobEnergy>(ProcessorPipeline.JobEnergy);

        Assert.Contains("Catching up: ", processor.Output);
        Assert.Contains("transactions of 400 ms", processor.Output);
        Assert.Contains("Caught up: ", processor.Output);
        AssertSameMultiset(expected.Readings.Select(ExpectedResults.Describe), readings.Select(r => ExpectedResults.Describe(r.Value)), processor.Output);
        AssertSameMultiset(expected.Energies.Select(ExpectedResults.Describe), energies.Select(e => ExpectedResults.Describe(e.Value)), processor.Output);
        Assert.Empty(pipeline.ReadRaw(ProcessorPipeline.DeadLetters));
    }

    [Fact]
    public async Task An_enriched_reading_carries_its_readings_trace_on_unsampled_as_it_came_or_sampled_from_the_processors_send()
    {
        var expected = Expected.Value;
        await using var pipeline = ProcessorPipeline.Start();
        var sent = new Dictionary<(string, DateTime), string>();
        using (var producer = pipeline.CreateProducer())
        {
            // Every tenth reading's trace is sampled; the processor runs with the SDK's default, parent-based sampler.
            pipeline.Produce(producer, expected.Ticks, readingHeaders: reading =>
            {
                var traceparent = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-{(sent.Count % 10 == 0 ? "01" : "00")}";
                sent[(reading.NodeId, reading.Timestamp)] = traceparent;
                return [new Header(KafkaTracing.TraceParentHeader, Encoding.UTF8.GetBytes(traceparent))];
            });
        }

        using var processor = pipeline.StartProcessor(0, ClusterSettings);
        var (readings, _) = await WaitForResultsAsync(pipeline, expected, TimeSpan.FromSeconds(60));

        Assert.Equal(expected.Readings.Count, readings.Count);
        var (unsampled, sampled) = (0, 0);
        foreach (var record in readings)
        {
            var reading = record.Value.Reading;
            var original = sent[(reading.NodeId, reading.Timestamp)];
            Assert.True(record.Headers!.TryGetLastBytes(KafkaTracing.TraceParentHeader, out var bytes), $"{reading.NodeId} at {reading.Timestamp:O} has no traceparent");
            var carried = Encoding.UTF8.GetString(bytes);
            if (original.EndsWith("-00", StringComparison.Ordinal))
            {
                Assert.Equal(original, carried); // no span of its own: the reading's context, as it came
                unsampled++;
            }
            else
            {
                Assert.Equal(original[..36], carried[..36]); // version and trace id
                Assert.NotEqual(original[36..52], carried[36..52]); // the processor's send span, a child
                Assert.EndsWith("-01", carried);
                sampled++;
            }
        }

        Assert.True(sampled > 0 && unsampled > 0, $"{sampled} sampled, {unsampled} unsampled");
    }

    [Fact]
    public async Task Bad_messages_go_to_the_dead_letter_topic_with_their_origin_and_the_good_ones_are_all_processed()
    {
        var expected = Expected.Value;
        await using var pipeline = ProcessorPipeline.Start();
        var bad = new Dictionary<string, (string Topic, int Partition, long Offset, string Key)>();
        using (var producer = pipeline.CreateProducer())
        {
            var half = expected.Ticks.Count / 2;
            pipeline.Produce(producer, expected.Ticks.Take(half));
            var good = expected.Ticks[half].Readings[0];
            var valid = pipeline.Serialize(good, ProcessorPipeline.Readings);
            var unknownSchema = (byte[])valid.Clone();
            unknownSchema[1] = unknownSchema[2] = unknownSchema[3] = 0x7f;
            var wrongMagic = (byte[])valid.Clone();
            wrongMagic[0] = 0x2a;
            var negative = new NodeReading { NodeId = good.NodeId, Timestamp = good.Timestamp, PowerWatts = -40, CpuUtilization = 0.2, GpuUtilization = 0.1 };
            var unknownNode = new NodeReading { NodeId = "node-999", Timestamp = good.Timestamp, PowerWatts = 300, CpuUtilization = 0.2, GpuUtilization = 0.1 };
            var unknownEnd = new JobEvent { JobId = "job-999999", State = JobState.Completed, Timestamp = good.Timestamp, User = "u", Account = "a", Nodes = [good.NodeId] };

            void Send(string name, string topic, string key, byte[] value)
            {
                var report = producer.ProduceAsync(topic, new Message<string?, byte[]> { Key = key, Value = value }).GetAwaiter().GetResult();
                bad[name] = (topic, report.Partition.Value, report.Offset.Value, key);
            }

            Send("wrong magic byte", ProcessorPipeline.Readings, good.NodeId, wrongMagic);
            Send("unknown schema id", ProcessorPipeline.Readings, good.NodeId, unknownSchema);
            Send("truncated body", ProcessorPipeline.Readings, good.NodeId, valid[..8]);
            Send("negative power", ProcessorPipeline.Readings, good.NodeId, pipeline.Serialize(negative, ProcessorPipeline.Readings));
            Send("unknown node", ProcessorPipeline.Readings, "node-999", pipeline.Serialize(unknownNode, ProcessorPipeline.Readings));
            Send("end of an unknown job", ProcessorPipeline.JobEvents, unknownEnd.JobId, pipeline.Serialize(unknownEnd, ProcessorPipeline.JobEvents));
            pipeline.Produce(producer, expected.Ticks.Skip(half));
        }

        using var processor = pipeline.StartProcessor(0, ClusterSettings);
        var (readings, energies) = await WaitForResultsAsync(pipeline, expected, TimeSpan.FromSeconds(60));
        var letters = pipeline.ReadRaw(ProcessorPipeline.DeadLetters);

        AssertSameMultiset(expected.Readings.Select(ExpectedResults.Describe), readings.Select(r => ExpectedResults.Describe(r.Value)), processor.Output);
        AssertSameMultiset(expected.Energies.Select(ExpectedResults.Describe), energies.Select(e => ExpectedResults.Describe(e.Value)), processor.Output);

        string Header(ConsumeResult<string?, byte[]> letter, string name) => Encoding.UTF8.GetString(letter.Message.Headers.GetLastBytes(name));
        var described = letters.Select(l => $"{Header(l, DeadLetterHeaders.SourceTopic)}/{Header(l, DeadLetterHeaders.SourcePartition)}@{Header(l, DeadLetterHeaders.SourceOffset)} {Header(l, DeadLetterHeaders.Reason)}").ToList();
        log.WriteLine(string.Join("\n", described));
        Assert.Equal(bad.Count, letters.Count);
        DeadLetterReason[] reasons = [DeadLetterReason.NotConfluentFramed, DeadLetterReason.UnknownSchemaId, DeadLetterReason.UndecodableBody,
            DeadLetterReason.InvalidReading, DeadLetterReason.InvalidReading, DeadLetterReason.InvalidJobEvent];
        foreach (var ((name, origin), reason) in bad.Zip(reasons))
        {
            var letter = Assert.Single(letters, l => Header(l, DeadLetterHeaders.SourceTopic) == origin.Topic
                && Header(l, DeadLetterHeaders.SourcePartition) == origin.Partition.ToString()
                && Header(l, DeadLetterHeaders.SourceOffset) == origin.Offset.ToString());
            Assert.True(reason.ToString() == Header(letter, DeadLetterHeaders.Reason), $"{name}: {Header(letter, DeadLetterHeaders.Reason)}");
            Assert.NotEmpty(Header(letter, DeadLetterHeaders.Error));
            Assert.Equal(origin.Key, letter.Message.Key);
            Assert.Equal("processor", Header(letter, DeadLetterHeaders.Service));
        }
    }

    /// <param name="readReadingsDeleted">As in embedded mode: the processor also commits its group's offsets
    /// (Processor:CommitGroupOffsets) and the readings behind them are deleted while it runs, and across the kill.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_processor_killed_mid_stream_and_restarted_from_its_snapshots_ends_with_the_results_of_an_uninterrupted_run(bool readReadingsDeleted)
    {
        var expected = Expected.Value;
        await using var pipeline = ProcessorPipeline.Start();
        using var trim = readReadingsDeleted ? pipeline.TrimCommittedReadings() : null;
        var input = pipeline.ProduceLiveAsync(expected.Ticks, LiveTicksPerSecond);
        // Small, frequent transactions: the kill falls between two of them, or inside one.
        string[] settings = [.. ClusterSettings, "--Processor:BatchSize=150", "--Processor:BatchMilliseconds=50", $"--Processor:CommitGroupOffsets={readReadingsDeleted}"];
        using (var first = pipeline.StartProcessor(0, settings))
        {
            var partial = await pipeline.WaitForAsync<JobEnergy>(ProcessorPipeline.JobEnergy, e => e.Count >= expected.Energies.Count / 3, TimeSpan.FromSeconds(40));
            first.Crash();
            log.WriteLine($"Killed after {partial.Count} job energies of {expected.Energies.Count}");
            Assert.True(partial.Count >= expected.Energies.Count / 3 && partial.Count < expected.Energies.Count, "The processor was not killed mid-stream.\n" + first.Output);
        }

        await Task.Delay(500);
        using var second = pipeline.StartProcessor(0, settings);
        await input;
        await WaitForResultsAsync(pipeline, expected, TimeSpan.FromSeconds(60), distinct: true);
        await Task.Delay(1000);
        var readings = pipeline.ReadAll<EnrichedReading>(ProcessorPipeline.Enriched);
        var energies = pipeline.ReadAll<JobEnergy>(ProcessorPipeline.JobEnergy);
        log.WriteLine($"{readings.Count} enriched readings written for {expected.Readings.Count} (the mock shows aborted transactions' copies too)");

        // librdkafka's mock shows messages of aborted transactions to read_committed consumers: the
        // last copy per key is the committed one, and it must be the uninterrupted run's.
        var lastReadings = readings.GroupBy(r => (r.Value.Reading.NodeId, r.Value.Reading.Timestamp)).Select(g => g.Last().Value);
        var lastEnergies = energies.GroupBy(e => e.Value.JobId).Select(g => g.Last().Value).ToList();
        AssertSameMultiset(expected.Readings.Select(ExpectedResults.Describe), lastReadings.Select(ExpectedResults.Describe), second.Output);
        AssertSameMultiset(expected.Energies.Select(ExpectedResults.Describe), lastEnergies.Select(ExpectedResults.Describe), second.Output);
        Assert.All(readings.GroupBy(r => (r.Value.Reading.NodeId, r.Value.Reading.Timestamp)), copies => Assert.Single(copies.Select(c => ExpectedResults.Describe(c.Value)).Distinct()));
        AssertEnergyMatchesIndependentIntegration(expected, lastEnergies);
        Assert.Empty(pipeline.ReadRaw(ProcessorPipeline.DeadLetters)); // a restored state that re-read a reading would dead-letter it as a duplicate
        if (trim is not null)
        {
            log.WriteLine($"{trim.Deleted} readings deleted behind the group's commits");
            Assert.True(trim.Deleted > expected.Readings.Count / 3, $"Only {trim.Deleted} of {expected.Readings.Count} readings were deleted behind the processor.\n{second.Output}");
        }
    }

    [Fact]
    public async Task Two_processor_instances_sharing_the_readings_write_the_results_of_one()
    {
        var expected = Expected.Value;
        await using var pipeline = ProcessorPipeline.Start();
        var input = pipeline.ProduceLiveAsync(expected.Ticks, LiveTicksPerSecond);

        string[] settings = [.. ClusterSettings, "--Processor:BatchSize=150", "--Processor:BatchMilliseconds=50"];
        using var first = pipeline.StartProcessor(0, settings);
        var before = await pipeline.WaitForAsync<JobEnergy>(ProcessorPipeline.JobEnergy, e => e.Count >= expected.Energies.Count / 4, TimeSpan.FromSeconds(40));
        using var second = pipeline.StartProcessor(1, settings); // joins mid-stream: a rebalance hands it half the partitions with their state
        Assert.True(before.Count < expected.Energies.Count, "The first instance finished before the second joined.");
        await input;
        var (readings, energies) = await WaitForResultsAsync(pipeline, expected, TimeSpan.FromSeconds(60));

        // On a loaded machine the first instance can write everything while the second is still starting: its share is
        // handed over (and anything it then wrote twice would be read below) once it has joined.
        for (var waited = 0; waited < 60 && !second.Output.Contains("Assigned", StringComparison.Ordinal); waited++)
        {
            await Task.Delay(500);
        }

        await Task.Delay(1000);
        readings = pipeline.ReadAll<EnrichedReading>(ProcessorPipeline.Enriched);
        energies = pipeline.ReadAll<JobEnergy>(ProcessorPipeline.JobEnergy);

        var output = first.Output + "\n----\n" + second.Output;
        Assert.Contains("Assigned", second.Output);
        AssertSameMultiset(expected.Readings.Select(ExpectedResults.Describe), readings.Select(r => ExpectedResults.Describe(r.Value)), output);
        AssertSameMultiset(expected.Energies.Select(ExpectedResults.Describe), energies.Select(e => ExpectedResults.Describe(e.Value)), output);
        AssertEnergyMatchesIndependentIntegration(expected, energies.Select(e => e.Value));
        Assert.Empty(pipeline.ReadRaw(ProcessorPipeline.DeadLetters));
    }

    private static async Task<(List<Record<EnrichedReading>>, List<Record<JobEnergy>>)> WaitForResultsAsync(
        ProcessorPipeline pipeline, ExpectedResults expected, TimeSpan timeout, bool distinct = false)
    {
        var deadline = DateTime.UtcNow + timeout;
        var readings = await pipeline.WaitForAsync<EnrichedReading>(ProcessorPipeline.Enriched,
            r => (distinct ? r.Select(x => (x.Value.Reading.NodeId, x.Value.Reading.Timestamp)).Distinct().Count() : r.Count) >= expected.Readings.Count, timeout);
        var energies = await pipeline.WaitForAsync<JobEnergy>(ProcessorPipeline.JobEnergy,
            e => (distinct ? e.Select(x => x.Value.JobId).Distinct().Count() : e.Count) >= expected.Energies.Count, Max(deadline - DateTime.UtcNow, TimeSpan.FromSeconds(5)));
        return (readings, energies);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static void AssertSameMultiset(IEnumerable<string> expected, IEnumerable<string> actual, string processorOutput)
    {
        var missing = expected.Order(StringComparer.Ordinal).ToList();
        var got = actual.Order(StringComparer.Ordinal).ToList();
        if (!missing.SequenceEqual(got))
        {
            var extra = got.Except(missing).Take(5);
            var absent = missing.Except(got).Take(5);
            Assert.Fail($"{got.Count} written, {missing.Count} expected.\nMissing: {string.Join("\n  ", absent)}\nUnexpected: {string.Join("\n  ", extra)}\n"
                + $"Duplicates: {got.Count - got.Distinct().Count()}\n--- processor output ---\n{Tail(processorOutput)}");
        }
    }

    private static string Tail(string text) => text.Length > 6000 ? text[^6000..] : text;

    private static void AssertEnergyMatchesIndependentIntegration(ExpectedResults expected, IEnumerable<JobEnergy> energies)
    {
        var list = energies.ToList();
        Assert.True(list.Count >= 10, $"only {list.Count} job energies");
        foreach (var energy in list)
        {
            var independent = expected.IndependentKilowattHours(energy);
            Assert.True(Math.Abs(energy.EnergyKilowattHours - independent) <= independent * 0.001,
                $"{energy.JobId}: {energy.EnergyKilowattHours} kWh, independently {independent} kWh");
        }
    }
}

using System.Diagnostics.Metrics;
using Confluent.SchemaRegistry;
using HpcAspire.Contracts;
using HpcAspire.Domain.Storage;
using HpcAspire.Framing;
using HpcAspire.Messaging;
using HpcAspire.Sink;
using HpcAspire.Sink.Core;
using HpcAspire.Sink.Storage;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace HpcAspire.Tests.Sink;

/// <summary>The sink's one core with no broker: messages of results in, rows in the files and rejections out.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class SinkCoreTests : IDisposable
{
    private const string Topic = "enriched";

    private readonly string _directory = Directory.CreateTempSubdirectory("hpcaspire-sink-core-").FullName;
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ISchemaRegistryClient _registry = InMemorySchemaRegistry.Create();

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_kafka_record_is_one_row_at_its_offset_and_a_copy_of_it_is_skipped()
    {
        var core = Core(batches: false);
        using var files = Open();
        var body = new AvroRecordWriter<EnrichedReading>(_registry).Write(SampleResults.Reading("node-001", 1), Topic);

        var first = await core.StoreAsync(Topic, body, files, position: 41);
        Assert.Equal(1, first.Records);
        Assert.Empty(first.Rejections);
        Assert.Equal(1, (await core.StoreAsync(Topic, body, files, position: 42)).Records); // the same result again
        files.Checkpoint();

        var row = Assert.Single(Rows());
        Assert.StartsWith("2026-01-01T00:00:01.000Z,node-001,", row, StringComparison.Ordinal);
        Assert.Equal(43, files.NextOffset);
    }

    [Fact]
    public async Task A_batch_writes_its_good_records_and_gives_back_each_bad_one_with_its_index()
    {
        var core = Core(batches: true);
        using var files = Open();
        var bad = SampleResults.Reading("", 2); // no node: no identity to store it under
        var body = await new AvroBatchWriter<EnrichedReading>(_registry).WriteAsync(
            [SampleResults.Reading("node-001", 1), bad, SampleResults.Reading("node-002", 3)], Topic);

        var stored = await core.StoreAsync(Topic, body, files, position: null);
        files.Checkpoint();

        Assert.Equal(3, stored.Records);
        var rejection = Assert.Single(stored.Rejections);
        Assert.Equal((DeadLetterReason.InvalidResult, (int?)1), (rejection.Reason, rejection.Record));
        Assert.Equal(2, Rows().Count);
    }

    [Fact]
    public async Task A_body_that_is_not_framed_is_rejected_whole_and_writes_nothing()
    {
        var core = Core(batches: true);
        using var files = Open();

        var stored = await core.StoreAsync(Topic, [9, 9], files, position: null);

        Assert.Equal((DeadLetterReason.NotConfluentFramed, (int?)null), (Assert.Single(stored.Rejections).Reason, stored.Rejections[0].Record));
        files.Checkpoint();
        Assert.Empty(Rows());
    }

    private SinkCore Core(bool batches)
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        var topics = new Dictionary<string, IResultTopic> { [Topic] = ResultTopics.EnrichedReadings(Topic, new AvroMessageDecoder<EnrichedReading>(_registry)) };
        return new SinkCore(topics, new SinkMetrics(meters, NullLogger<SinkMetrics>.Instance), new PipelineStages(meters), batches);
    }

    private PartitionCsvFiles Open() => PartitionCsvFiles.Open(_directory, ResultRows.EnrichedReadingHeader,
        new FileRotation(1L << 30, TimeSpan.FromHours(1)), TimeSpan.FromMinutes(10), TimeProvider.System);

    private List<string> Rows() => PartitionCsvFiles.DataFiles(_directory)
        .SelectMany(f => File.ReadAllText(f).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1)).ToList();
}

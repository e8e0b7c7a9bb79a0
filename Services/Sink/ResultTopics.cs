using Confluent.Kafka;
using HpcAspire.Contracts;
using HpcAspire.Domain.Storage;
using HpcAspire.Messaging.Kafka;

namespace HpcAspire.Sink;

/// <summary>A message turned into a CSV record of an identified result, or the reason it cannot be one.</summary>
internal readonly record struct RowOutcome(ResultIdentity Result, string? Record, string? RejectionReason, string? Error)
{
    public const string Invalid = "Invalid";

    public static RowOutcome Row(ResultIdentity result, string record) => new(result, record, null, null);

    public static RowOutcome Rejected(string reason, string error) => new(default, null, reason, error);
}

/// <summary>The outcomes of a message's records, in order; <see cref="IsBatch"/> when it held a batch, whose records are numbered in dead letters.</summary>
internal sealed record RowOutcomes(IReadOnlyList<RowOutcome> Rows, bool IsBatch);

/// <summary>One topic the sink stores: its CSV header and how a message becomes a row.</summary>
internal interface IResultTopic
{
    string Topic { get; }

    IReadOnlyList<string> Header { get; }

    RowOutcome ToRow(ConsumeResult<string?, byte[]> message);

    /// <summary>
    /// A body that came another way than a Kafka record (the RabbitMQ application), holding one result or a batch:
    /// an outcome per record, in order, or a single rejection when the body cannot be read at all.
    /// </summary>
    Task<RowOutcomes> ToRowsAsync(byte[] body);
}

/// <summary>The only place where Kafka messages meet result records: decode, validate, format.</summary>
internal sealed class ResultTopic<T>(string topic, IReadOnlyList<string> header, AvroMessageDecoder<T> decoder,
    Func<T, string?> problemOf, Func<T, ResultIdentity> identityOf, Func<T, string> recordOf, KafkaTracing tracing) : IResultTopic
    where T : Avro.Specific.ISpecificRecord, new()
{
    public string Topic => topic;

    public IReadOnlyList<string> Header => header;

    public RowOutcome ToRow(ConsumeResult<string?, byte[]> message) => FromDecoded(tracing.Decode(decoder, message));

    public async Task<RowOutcomes> ToRowsAsync(byte[] body)
    {
        var decoded = await decoder.DecodeAllAsync(body);
        return decoded.IsDecoded
            ? new RowOutcomes([.. decoded.Value!.Select(FromRecord)], decoded.IsBatch)
            : new RowOutcomes([RowOutcome.Rejected(decoded.Failure!.Value.ToString(), decoded.Error!)], IsBatch: false);
    }

    private RowOutcome FromDecoded(DecodedMessage<T> decoded) =>
        decoded.IsDecoded ? FromRecord(decoded.Value!) : RowOutcome.Rejected(decoded.Failure!.Value.ToString(), decoded.Error!);

    private RowOutcome FromRecord(T record) =>
        problemOf(record) is { } problem
            ? RowOutcome.Rejected(RowOutcome.Invalid, problem)
            : RowOutcome.Row(identityOf(record), recordOf(record));
}

internal static class ResultTopics
{
    public static IResultTopic EnrichedReadings(string topic, AvroMessageDecoder<EnrichedReading> decoder, KafkaTracing tracing) =>
        new ResultTopic<EnrichedReading>(topic, ResultRows.EnrichedReadingHeader, decoder, ResultValidation.ProblemOf, ResultIdentity.Of, ResultRows.Record, tracing);

    public static IResultTopic JobEnergy(string topic, AvroMessageDecoder<JobEnergy> decoder, KafkaTracing tracing) =>
        new ResultTopic<JobEnergy>(topic, ResultRows.JobEnergyHeader, decoder, ResultValidation.ProblemOf, ResultIdentity.Of, ResultRows.Record, tracing);
}

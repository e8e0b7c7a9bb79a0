using HpcAspire.Contracts;
using HpcAspire.Domain.Storage;
using HpcAspire.Framing;
using HpcAspire.Messaging;

namespace HpcAspire.Sink;

/// <summary>A message turned into a CSV record of an identified result, or the reason it cannot be one.</summary>
internal readonly record struct RowOutcome(ResultIdentity Result, string? Record, DeadLetterReason? RejectionReason, string? Error)
{
    public static RowOutcome Row(ResultIdentity result, string record) => new(result, record, null, null);

    public static RowOutcome Rejected(DeadLetterReason reason, string error) => new(default, null, reason, error);
}

/// <summary>The outcomes of a message's records, in order; <see cref="IsBatch"/> when it held a batch, whose records are numbered in dead letters.</summary>
internal sealed record RowOutcomes(IReadOnlyList<RowOutcome> Rows, bool IsBatch);

/// <summary>One topic the sink stores: its CSV header and how a message becomes a row.</summary>
internal interface IResultTopic
{
    string Topic { get; }

    IReadOnlyList<string> Header { get; }

    /// <summary>A message of one result (a Kafka record): its row, or why it cannot be one.</summary>
    ValueTask<RowOutcome> ToRowAsync(byte[]? value);

    /// <summary>
    /// A message of one result or a batch (the RabbitMQ application's): an outcome per record, in order, or a single
    /// rejection when the body cannot be read at all.
    /// </summary>
    Task<RowOutcomes> ToRowsAsync(byte[] body);
}

/// <summary>The only place where messages meet result records, on either transport: decode, validate, format.</summary>
internal sealed class ResultTopic<T>(string topic, IReadOnlyList<string> header, AvroMessageDecoder<T> decoder,
    Func<T, string?> problemOf, Func<T, ResultIdentity> identityOf, Func<T, string> recordOf) : IResultTopic
    where T : Avro.Specific.ISpecificRecord, new()
{
    public string Topic => topic;

    public IReadOnlyList<string> Header => header;

    public ValueTask<RowOutcome> ToRowAsync(byte[]? value)
    {
        // Completes at once for every message but the first of a schema id: no task a message.
        var decoding = decoder.DecodeAsync(value);
        return decoding.IsCompletedSuccessfully ? ValueTask.FromResult(FromDecoded(decoding.Result)) : AwaitAsync(decoding);

        async ValueTask<RowOutcome> AwaitAsync(ValueTask<DecodedMessage<T>> pending) => FromDecoded(await pending.ConfigureAwait(false));
    }

    public async Task<RowOutcomes> ToRowsAsync(byte[] body)
    {
        var decoded = await decoder.DecodeAllAsync(body);
        return decoded.IsDecoded
            ? new RowOutcomes([.. decoded.Value!.Select(FromRecord)], decoded.IsBatch)
            : new RowOutcomes([RowOutcome.Rejected(decoded.Failure!.Value, decoded.Error!)], IsBatch: false);
    }

    private RowOutcome FromDecoded(DecodedMessage<T> decoded) =>
        decoded.IsDecoded ? FromRecord(decoded.Value!) : RowOutcome.Rejected(decoded.Failure!.Value, decoded.Error!);

    private RowOutcome FromRecord(T record) =>
        problemOf(record) is { } problem
            ? RowOutcome.Rejected(DeadLetterReason.InvalidResult, problem)
            : RowOutcome.Row(identityOf(record), recordOf(record));
}

internal static class ResultTopics
{
    public static IResultTopic EnrichedReadings(string topic, AvroMessageDecoder<EnrichedReading> decoder) =>
        new ResultTopic<EnrichedReading>(topic, ResultRows.EnrichedReadingHeader, decoder, ResultValidation.ProblemOf, ResultIdentity.Of, ResultRows.Record);

    public static IResultTopic JobEnergy(string topic, AvroMessageDecoder<JobEnergy> decoder) =>
        new ResultTopic<JobEnergy>(topic, ResultRows.JobEnergyHeader, decoder, ResultValidation.ProblemOf, ResultIdentity.Of, ResultRows.Record);
}

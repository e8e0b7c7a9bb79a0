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

/// <summary>One topic the sink stores: its CSV header and how a message becomes a row.</summary>
internal interface IResultTopic
{
    string Topic { get; }

    IReadOnlyList<string> Header { get; }

    RowOutcome ToRow(ConsumeResult<string?, byte[]> message);

    /// <summary>A body that came another way than a Kafka record (the RabbitMQ application).</summary>
    Task<RowOutcome> ToRowAsync(byte[] body);
}

/// <summary>The only place where Kafka messages meet result records: decode, validate, format.</summary>
internal sealed class ResultTopic<T>(string topic, IReadOnlyList<string> header, AvroMessageDecoder<T> decoder,
    Func<T, string?> problemOf, Func<T, ResultIdentity> identityOf, Func<T, string?[]> rowOf, KafkaTracing tracing) : IResultTopic
    where T : Avro.Specific.ISpecificRecord, new()
{
    public string Topic => topic;

    public IReadOnlyList<string> Header => header;

    public RowOutcome ToRow(ConsumeResult<string?, byte[]> message) => FromDecoded(tracing.Decode(decoder, message));

    public async Task<RowOutcome> ToRowAsync(byte[] body) => FromDecoded(await decoder.DecodeAsync(topic, body));

    private RowOutcome FromDecoded(DecodedMessage<T> decoded)
    {
        if (!decoded.IsDecoded)
        {
            return RowOutcome.Rejected(decoded.Failure!.Value.ToString(), decoded.Error!);
        }

        return problemOf(decoded.Value!) is { } problem
            ? RowOutcome.Rejected(RowOutcome.Invalid, problem)
            : RowOutcome.Row(identityOf(decoded.Value!), CsvFormat.Record(rowOf(decoded.Value!)));
    }
}

internal static class ResultTopics
{
    public static IResultTopic EnrichedReadings(string topic, AvroMessageDecoder<EnrichedReading> decoder, KafkaTracing tracing) =>
        new ResultTopic<EnrichedReading>(topic, ResultRows.EnrichedReadingHeader, decoder, ResultValidation.ProblemOf, ResultIdentity.Of, ResultRows.Row, tracing);

    public static IResultTopic JobEnergy(string topic, AvroMessageDecoder<JobEnergy> decoder, KafkaTracing tracing) =>
        new ResultTopic<JobEnergy>(topic, ResultRows.JobEnergyHeader, decoder, ResultValidation.ProblemOf, ResultIdentity.Of, ResultRows.Row, tracing);
}

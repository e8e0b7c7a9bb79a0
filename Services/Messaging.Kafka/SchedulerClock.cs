using System.Buffers.Binary;
using Confluent.Kafka;

namespace HpcAspire.Messaging.Kafka;

/// <summary>
/// The job-event generator's progress, as control records in the job-events topic: after each
/// tick it writes one record with no key and no value, and this header, to every partition.
/// Kafka keeps a partition's order, so a clock of time T there means every job event of that
/// partition up to T was written before it: a consumer's watermark is the smallest clock over
/// all partitions, and a reading up to that time can be joined to its job deterministically.
/// </summary>
public static class SchedulerClock
{
    public const string Header = "hpc-scheduler-clock";

    public static Headers Stamp(DateTime time)
    {
        var bytes = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(bytes, new DateTimeOffset(time).ToUnixTimeMilliseconds());
        return new Headers { { Header, bytes } };
    }

    /// <summary>The clock time of a control record, or null for an ordinary message.</summary>
    public static DateTime? Read(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(Header, out var bytes) && bytes.Length == sizeof(long)
            ? DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(bytes)).UtcDateTime
            : null;
}

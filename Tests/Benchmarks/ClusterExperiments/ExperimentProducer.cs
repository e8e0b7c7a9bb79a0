using System.Diagnostics;
using Confluent.Kafka;

namespace HpcAspire.Benchmarks.ClusterExperiments;

/// <summary>
/// One long-lived producer client of a cell: Produce with a delivery handler that records each id's acknowledgement
/// in the ledger (never one awaited message at a time); a full client queue is waited out by polling, to a deadline.
/// </summary>
internal sealed class ExperimentProducer : IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;
    private readonly byte[] _value = ExperimentMessage.NewBuffer();   // librdkafka copies it in Produce
    private int _clientErrors;

    public ExperimentProducer(string bootstrapServers, ProducerSettings settings, string topic, DeliveryLedger ledger)
    {
        Ledger = ledger;
        _topic = topic;
        _producer = new ProducerBuilder<byte[], byte[]>(settings.ToConfig(bootstrapServers))
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => Interlocked.Increment(ref _clientErrors))
            .Build();
    }

    /// <summary>
    /// Connects to every partition's leader and (idempotent) gets its producer id, as a long-lived client has long
    /// done, so a measurement does not start with a cold client. Its messages carry id -1: consumers count them as
    /// foreign, never as the cell's.
    /// </summary>
    public void WarmUp(int partitions, DateTime deadline)
    {
        ExperimentMessage.WriteId(_value, -1);
        for (var p = 0; p < partitions; p++)
        {
            _producer.Produce(new TopicPartition(_topic, p), new Message<byte[], byte[]> { Key = ExperimentMessage.NodeKeys[0], Value = _value });
        }

        if (!Flush(deadline))
        {
            throw new CellFailedException("the producer's warm-up messages were not acknowledged by the deadline");
        }
    }

    /// <summary>Where deliveries are recorded; a cell's phases each set their own (after a Flush) on the same client.</summary>
    public DeliveryLedger Ledger { get; set; }

    /// <summary>Client-level errors (a broker's connection refused, all brokers down): not message failures.</summary>
    public int ClientErrors => Volatile.Read(ref _clientErrors);

    /// <summary>Hands one message to the client (to the partition its node key hashes to, or the one given); false
    /// when the client's queue stayed full until the deadline.</summary>
    public bool Send(int id, DateTime deadline, int? partition = null)
    {
        var destination = partition is { } p ? new TopicPartition(_topic, p) : new TopicPartition(_topic, Partition.Any);
        ExperimentMessage.WriteId(_value, id);
        var message = new Message<byte[], byte[]> { Key = ExperimentMessage.NodeKeys[id % ExperimentMessage.NodeKeys.Length], Value = _value };
        while (true)
        {
            var ledger = Ledger;
            try
            {
                ledger.RecordSent(id);
                _producer.Produce(destination, message, report =>
                {
                    if (report.Error.IsError)
                    {
                        ledger.RecordFailed(report.Error.Code.ToString());
                    }
                    else
                    {
                        ledger.RecordAcknowledged(id, report.Partition.Value);
                    }
                });
                return true;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    return false;
                }

                _producer.Poll(TimeSpan.FromMilliseconds(5));
            }
        }
    }

    /// <summary>Ids [from, to) as fast as the client takes them; returns how many were handed over by the deadline.</summary>
    public int SendAll(int from, int to, DateTime deadline)
    {
        for (var id = from; id < to; id++)
        {
            if (!Send(id, deadline))
            {
                return id - from;
            }
        }

        return to - from;
    }

    /// <summary>Ids from <paramref name="from"/> on at an offered rate, for <paramref name="duration"/> (or to the deadline).
    /// Returns the next unused id.</summary>
    public int SendPaced(int from, double perSecond, TimeSpan duration, DateTime deadline)
    {
        var clock = Stopwatch.StartNew();
        var count = (int)(perSecond * duration.TotalSeconds);
        var sent = 0;
        while (sent < count && DateTime.UtcNow < deadline)
        {
            var due = Math.Min(count, (int)(clock.Elapsed.TotalSeconds * perSecond) + 1);
            for (; sent < due; sent++)
            {
                if (!Send(from + sent, deadline))
                {
                    return from + sent;
                }
            }

            Thread.Sleep(1);
        }

        return from + sent;
    }

    /// <summary>Waits for every delivery report; false when some were still outstanding at the deadline.</summary>
    public bool Flush(DateTime deadline) =>
        _producer.Flush(TimeSpan.FromMilliseconds(Math.Max(0, (deadline - DateTime.UtcNow).TotalMilliseconds))) == 0;

    public void Dispose()
    {
        // Whatever is still queued after the cell's own flush is abandoned: the cell is over.
        _producer.Flush(TimeSpan.FromSeconds(2));
        _producer.Dispose();
    }
}

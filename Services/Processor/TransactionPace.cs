namespace HpcAspire.Processor;

/// <summary>
/// How long the processor's next transaction runs. Keeping up, <c>Processor:BatchMilliseconds</c>: a live reading's
/// results wait at most that long for their commit. At least <c>Processor:CatchUpBacklog</c> readings behind,
/// <c>Processor:CatchUpBatchMilliseconds</c>: a reading that waited behind the backlog loses nothing to a longer
/// transaction, and each transaction's fixed cost (its snapshots, its commit) is then shared by more readings, so the
/// processor works the backlog off with the CPU it saves. It keeps the long transactions until the backlog is below
/// half the threshold, so that a backlog hovering at the threshold does not switch it back and forth.
/// </summary>
internal sealed class TransactionPace(ProcessorOptions options, ProcessorMetrics metrics, ILogger logger)
{
    private readonly TimeSpan _live = TimeSpan.FromMilliseconds(options.BatchMilliseconds);
    private readonly TimeSpan _catchUp = TimeSpan.FromMilliseconds(Math.Max(options.CatchUpBatchMilliseconds, options.BatchMilliseconds));

    public bool CatchingUp { get; private set; }

    /// <summary>The next transaction's length, given the readings not yet read (<paramref name="backlog"/>).</summary>
    public TimeSpan Next(long backlog)
    {
        if (!CatchingUp && backlog >= options.CatchUpBacklog)
        {
            CatchingUp = true;
            logger.LogInformation("Catching up: {Backlog} readings behind (Processor:CatchUpBacklog {Threshold}); transactions of {CatchUp} ms until below {Half}",
                backlog, options.CatchUpBacklog, _catchUp.TotalMilliseconds, options.CatchUpBacklog / 2);
        }
        else if (CatchingUp && backlog < options.CatchUpBacklog / 2)
        {
            CatchingUp = false;
            logger.LogInformation("Caught up: {Backlog} readings behind; transactions of {Live} ms (Processor:BatchMilliseconds)", backlog, _live.TotalMilliseconds);
        }

        if (CatchingUp)
        {
            metrics.CatchUpTransactions.Add(1);
        }

        return CatchingUp ? _catchUp : _live;
    }
}

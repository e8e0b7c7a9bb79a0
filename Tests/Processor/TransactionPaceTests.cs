using System.Diagnostics.Metrics;
using HpcAspire.Processor;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace HpcAspire.Tests.Processor;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class TransactionPaceTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<long> _catchUps = [];
    private readonly MeterListener _listener = new();

    public TransactionPaceTests()
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ProcessorMetrics.MeterName && instrument.Name == "hpcaspire.processor.catch_up_transactions")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => _catchUps.Add(value));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    [Fact]
    public void A_processor_that_keeps_up_runs_the_live_transactions()
    {
        var pace = Pace(new ProcessorOptions());

        Assert.Equal(TimeSpan.FromMilliseconds(50), pace.Next(0));
        Assert.Equal(TimeSpan.FromMilliseconds(50), pace.Next(9_999));
        Assert.False(pace.CatchingUp);
        Assert.Empty(_catchUps);
    }

    [Fact]
    public void Behind_by_the_threshold_it_runs_long_transactions_until_below_half_of_it()
    {
        var pace = Pace(new ProcessorOptions { CatchUpBacklog = 1_000, CatchUpBatchMilliseconds = 300 });

        Assert.Equal([300, 300, 300, 50, 50, 300], new long[] { 1_000, 600, 500, 499, 999, 5_000 }.Select(b => pace.Next(b).TotalMilliseconds));
        Assert.Equal(4, _catchUps.Sum());
    }

    [Fact]
    public void Catching_up_never_shortens_a_transaction_below_the_live_length()
    {
        var pace = Pace(new ProcessorOptions { BatchMilliseconds = 500, CatchUpBatchMilliseconds = 250 });

        Assert.Equal(TimeSpan.FromMilliseconds(500), pace.Next(1_000_000));
        Assert.True(pace.CatchingUp);
    }

    [Theory]
    [InlineData(0, 250)]
    [InlineData(10_000, 0)]
    public void A_threshold_or_length_below_one_is_refused_naming_both_settings(int backlog, int milliseconds)
    {
        var error = Assert.Throws<ArgumentException>(() => new ProcessorOptions { CatchUpBacklog = backlog, CatchUpBatchMilliseconds = milliseconds }.Validate());

        Assert.Contains($"Processor:CatchUpBacklog is {backlog}", error.Message);
        Assert.Contains($"Processor:CatchUpBatchMilliseconds {milliseconds}", error.Message);
    }

    private TransactionPace Pace(ProcessorOptions options) =>
        new(options, new ProcessorMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger.Instance);
}

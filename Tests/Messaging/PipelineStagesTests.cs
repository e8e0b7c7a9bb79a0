using System.Diagnostics.Metrics;
using HpcAspire.Messaging;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HpcAspire.Tests.Messaging;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class PipelineStagesTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Every_message_is_timed_when_StageTimingEvery_is_one()
    {
        var stages = Stages("1");
        var recorded = new List<(string Instrument, double Value)>();
        using var listener = Listen(recorded);

        for (var i = 0; i < 100; i++)
        {
            var startedAt = stages.Start();
            Assert.NotEqual(PipelineStages.NotTimed, startedAt);
            stages.Record(PipelineStages.Process, "node-readings", startedAt);
            stages.RecordBrokerWait("node-readings", DateTime.UtcNow.AddSeconds(-2));
        }

        Assert.Equal(100, recorded.Count(r => r.Instrument == $"hpcaspire.stage.duration/{PipelineStages.Process}"));
        Assert.Equal(100, recorded.Count(r => r.Instrument == "hpcaspire.broker.wait"));
        Assert.All(recorded.Where(r => r.Instrument == "hpcaspire.broker.wait"), r => Assert.InRange(r.Value, 1.9, 10));
    }

    [Theory]
    [InlineData(null, 8)]
    [InlineData("5", 5)]
    public void About_one_message_in_StageTimingEvery_is_timed_in_every_stage_and_every_durable_row_is_recorded(string? every, int expectedEvery)
    {
        var stages = Stages(every);
        var recorded = new List<(string Instrument, double Value)>();
        using var listener = Listen(recorded);
        string[] stageNames = [PipelineStages.Deserialize, PipelineStages.Process, PipelineStages.Join, PipelineStages.Serialize];

        const int Messages = 40_000;
        for (var i = 0; i < Messages; i++)
        {
            // The same calls for every message, as a service makes them: no stage may be starved by the pattern.
            stages.RecordBrokerWait("node-readings", DateTime.UtcNow);
            foreach (var stage in stageNames)
            {
                stages.Record(stage, "node-readings", stages.Start());
            }

            stages.RecordEndToEnd("enriched-readings", DateTime.UtcNow.AddSeconds(-3), DateTime.UtcNow);
        }

        var expected = Messages / expectedEvery;
        Assert.InRange(recorded.Count(r => r.Instrument == "hpcaspire.broker.wait"), expected * 0.9, expected * 1.1);
        Assert.All(stageNames, stage =>
            Assert.InRange(recorded.Count(r => r.Instrument == $"hpcaspire.stage.duration/{stage}"), expected * 0.9, expected * 1.1));
        Assert.Equal(Messages, recorded.Count(r => r.Instrument == "hpcaspire.pipeline.latency"));
    }

    [Fact]
    public void A_timing_rate_below_one_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Stages("0"));
        Assert.Contains(PipelineStages.TimingEveryKey, error.Message);
    }

    private PipelineStages Stages(string? every)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(every is null ? [] : [new(PipelineStages.TimingEveryKey, every)]).Build();
        return new PipelineStages(_services.GetRequiredService<IMeterFactory>(), configuration);
    }

    private static MeterListener Listen(List<(string Instrument, double Value)> recorded)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PipelineStages.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            var stage = "";
            foreach (var tag in tags)
            {
                stage = tag.Key == "hpcaspire.stage" ? (string)tag.Value! : stage;
            }

            recorded.Add((stage.Length > 0 ? $"{instrument.Name}/{stage}" : instrument.Name, value));
        });
        listener.Start();
        return listener;
    }
}

using System.Diagnostics.Metrics;
using System.Reflection;
using HpcAspire.Messaging;
using HpcAspire.Messaging.RabbitMQ;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace HpcAspire.Tests.Messaging;

/// <summary>
/// The publisher against a broker whose confirm never comes: RabbitMQ.Client can leave a publish that raced a
/// connection loss tracked on the dead channel, its confirm task never completed. Without a deadline the flush, and
/// the checkpoint awaiting it, would wait for ever.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class RabbitMQPublisherTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task A_confirm_that_never_comes_fails_the_flush_after_the_timeout_and_the_next_publish_uses_a_new_channel()
    {
        var connection = FakeConnection.Create(confirmsOfChannel: channel => channel == 1 ? Confirm.Never : Confirm.AtOnce);
        await using var publisher = Publisher(connection, TimeSpan.FromMilliseconds(300));

        await publisher.PublishAsync("hpc.telemetry", "readings.shard-0", new byte[] { 1 });
        var failure = await Assert.ThrowsAsync<RabbitMQPublishException>(() => publisher.FlushAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(1, failure.Failed);
        Assert.Contains("ConfirmTimeout", failure.Message);

        // The stalled channel still says it is open; the publisher gives it up anyway.
        await publisher.PublishAsync("hpc.telemetry", "readings.shard-0", new byte[] { 2 });
        await publisher.FlushAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, FakeConnection.Of(connection).ChannelsOpened);
        Assert.Equal([1, 1], FakeConnection.Of(connection).PublishesPerChannel);
    }

    [Fact]
    public async Task Confirms_that_come_in_time_keep_one_channel()
    {
        var connection = FakeConnection.Create(confirmsOfChannel: _ => Confirm.AfterDelay);
        await using var publisher = Publisher(connection, TimeSpan.FromSeconds(10));

        for (var i = 0; i < 50; i++)
        {
            await publisher.PublishAsync("hpc.telemetry", "readings.shard-0", new byte[] { (byte)i });
        }

        await publisher.FlushAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, FakeConnection.Of(connection).ChannelsOpened);
        Assert.Equal([50], FakeConnection.Of(connection).PublishesPerChannel);
    }

    [Fact]
    public void A_confirm_timeout_that_is_not_positive_is_refused_naming_the_setting()
    {
        var settings = new RabbitMQTransportSettings { ConfirmTimeout = TimeSpan.Zero };
        var error = Assert.Throws<InvalidOperationException>(settings.Validate);
        Assert.Contains("Messaging:RabbitMQ:ConfirmTimeout", error.Message);
    }

    private RabbitMQPublisher Publisher(IConnection connection, TimeSpan confirmTimeout) =>
        new(connection, new RabbitMQTelemetry(new PipelineStages(_services.GetRequiredService<IMeterFactory>()), _services.GetRequiredService<IMeterFactory>()),
            NullLogger<RabbitMQPublisher>.Instance, window: 100, confirmTimeout);

    public enum Confirm { AtOnce, AfterDelay, Never }

    /// <summary>An <see cref="IConnection"/> that opens <see cref="FakeChannel"/>s; nothing else of it is used.</summary>
    public class FakeConnection : DispatchProxy
    {
        private Func<int, Confirm> _confirms = _ => Confirm.AtOnce;

        public int ChannelsOpened { get; private set; }

        public List<int> PublishesPerChannel { get; } = [];

        internal static IConnection Create(Func<int, Confirm> confirmsOfChannel)
        {
            var connection = Create<IConnection, FakeConnection>();
            ((FakeConnection)(object)connection)._confirms = confirmsOfChannel;
            return connection;
        }

        internal static FakeConnection Of(IConnection connection) => (FakeConnection)(object)connection;

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            switch (method?.Name)
            {
                case nameof(IConnection.CreateChannelAsync):
                    var number = ++ChannelsOpened;
                    PublishesPerChannel.Add(0);
                    var channel = DispatchProxy.Create<IChannel, FakeChannel>();
                    ((FakeChannel)(object)channel).Init(_confirms(number), () => PublishesPerChannel[number - 1]++);
                    return Task.FromResult(channel);
                case nameof(IAsyncDisposable.DisposeAsync):
                    return ValueTask.CompletedTask;
                case nameof(IDisposable.Dispose):
                    return null;
                default:
                    throw new NotSupportedException($"The fake connection does not implement {method?.Name}.");
            }
        }
    }

    /// <summary>An open <see cref="IChannel"/> whose publishes confirm as told.</summary>
    public class FakeChannel : DispatchProxy
    {
        private Confirm _confirm;
        private Action _published = () => { };

        internal void Init(Confirm confirm, Action published) => (_confirm, _published) = (confirm, published);

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            switch (method?.Name)
            {
                case "get_" + nameof(IChannel.IsOpen):
                    return true;
                case nameof(IChannel.BasicPublishAsync):
                    _published();
                    return _confirm switch
                    {
                        Confirm.AtOnce => ValueTask.CompletedTask,
                        Confirm.AfterDelay => new ValueTask(Task.Delay(5)),
                        _ => new ValueTask(new TaskCompletionSource().Task),
                    };
                case nameof(IAsyncDisposable.DisposeAsync):
                    return ValueTask.CompletedTask;
                case nameof(IDisposable.Dispose):
                    return null;
                default:
                    throw new NotSupportedException($"The fake channel does not implement {method?.Name}.");
            }
        }
    }
}

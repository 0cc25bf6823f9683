using JinDu.Testing;
using MassTransit;

namespace JinDu.IntegrationTests;

/// <summary>
/// Events published straight to the platform's RabbitMQ from a test, as another service's outbox would publish them:
/// through a MassTransit bus of the test's own, started for the events and stopped after.
/// </summary>
internal static class Broker_publishing
{
    /// <summary>Publishes the events one after the other, in the order given.</summary>
    public static Task PublishAsync(this DistributedPlatform platform, params object[] events) => WithBusAsync(platform, async bus =>
    {
        foreach (var e in events) await bus.Publish(e);
    });

    /// <summary>Publishes the events all at once, so that they reach their consumer together and share its batches.</summary>
    public static Task PublishTogetherAsync(this DistributedPlatform platform, IEnumerable<object> events) =>
        WithBusAsync(platform, bus => Task.WhenAll(events.Select(e => bus.Publish(e))));

    private static async Task WithBusAsync(DistributedPlatform platform, Func<IBusControl, Task> publish)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(new Uri(platform.Servers.RabbitMqUri)));
        await bus.StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        try { await publish(bus); }
        finally { await bus.StopAsync(); }
    }
}

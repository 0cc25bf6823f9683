using System.Diagnostics;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>Issue 5, part 2: a subscriber whose receiver hangs holds one delivery slot, never the others' deliveries.</summary>
public sealed class A_slow_or_dead_subscriber(CooperationPlatform platform) : IClassFixture<CooperationPlatform>
{
    [Fact]
    public async Task Does_not_slow_a_live_one()
    {
        await using var hanging = await WebhookReceiver.StartAsync();
        await using var live = await WebhookReceiver.StartAsync();
        hanging.Mode = ReceiverMode.Hang;
        await platform.RegisterAsync("liaison.522701", hanging.Url);
        await platform.RegisterAsync("liaison.522726", live.Url);

        const int count = 20;
        var watch = Stopwatch.StartNew();
        var liveIds = new List<string>();
        for (var i = 0; i < count; i++)
        {
            await platform.NotifyAsync("522701", $"to-the-dead-{i}");
            liveIds.Add((await platform.NotifyAsync("522726", $"to-the-living-{i}")).Id.ToString());
        }
        await PlatformClient.EventuallyAsync(() => Task.FromResult(live.Accepted.Count >= count ? "all" : null), TimeSpan.FromSeconds(10), "the live subscriber's messages");
        var elapsed = watch.Elapsed;

        // Served one after the other behind a receiver that answers nothing for its 1-second time-out, the live
        // subscriber would have waited 20 s or more.
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"the live subscriber took {elapsed}");
        // All of them, each once (a few requests are in flight at once, so they may arrive out of order).
        Assert.Equal(liveIds.Order(), live.Accepted.Select(a => a.Id).Order());
        // The hanging one is tried too (its request may still be on its way when the live one has everything).
        await PlatformClient.EventuallyAsync(() => Task.FromResult(hanging.Received.Count > 0 ? "tried" : null), TimeSpan.FromSeconds(5), "a request to the hanging receiver");
        Assert.Empty(hanging.Accepted);
        var first = await PlatformClient.EventuallyAsync(async () =>
            (await platform.GetAsync("/api/cooperation/v1/webhook/attempts?limit=500", "liaison.522701"))["items"]!.AsArray().FirstOrDefault(),
            what: "the time-out in the delivery log");
        Assert.Equal("retry", first!["outcome"]!.GetValue<string>());
        Assert.Null(first["statusCode"]);
        Assert.Contains("no answer within 1 s", first["error"]!.GetValue<string>());
    }
}

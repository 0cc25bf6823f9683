using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>
/// A delivery a dispatcher has taken for an attempt (its lease) is left alone by every other until the lease runs out:
/// two instances of Cooperation never push one message at once, and a crash mid-attempt only delays it.
/// </summary>
public sealed class Webhook_leases(CooperationPlatform platform) : IClassFixture<CooperationPlatform>
{
    [Fact]
    public async Task A_delivery_another_instance_has_taken_waits_for_its_lease_and_is_then_sent_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await platform.RegisterAsync("liaison.522726", receiver.Url);
        var held = await platform.NotifyAsync("522726", "held", leasedFor: TimeSpan.FromMinutes(1));
        var free = await platform.NotifyAsync("522726", "free");

        // The free one goes out at once; the held one not, however often the dispatcher looks (every 50 ms here).
        await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.Any(r => r.Id == free.Id.ToString()) ? "sent" : null), what: "the free delivery");
        await Task.Delay(1_000);
        Assert.DoesNotContain(receiver.Received, r => r.Id == held.Id.ToString());

        // The other instance is gone (it crashed mid-attempt): once its lease has run out, the message goes out, once.
        platform.Advance(TimeSpan.FromMinutes(2));
        await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.Any(r => r.Id == held.Id.ToString()) ? "sent" : null), what: "the held delivery after its lease");
        await Task.Delay(500); // a second push would arrive now
        Assert.Single(receiver.Received, r => r.Id == held.Id.ToString());
        Assert.Single(receiver.Received, r => r.Id == free.Id.ToString());
    }
}

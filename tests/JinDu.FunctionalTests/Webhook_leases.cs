using System.Net;
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

    [Fact]
    public async Task A_replay_while_an_attempt_is_in_flight_is_not_undone_by_that_attempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await platform.RegisterAsync("liaison.522701", receiver.Url);
        // The receiver takes the request and will refuse it for good (400: a dead letter at once), but answers only
        // when released: the attempt is in flight.
        receiver.Mode = ReceiverMode.Reject;
        receiver.Hold();
        var message = await platform.NotifyAsync("522701", "in-flight");
        await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Held > 0 ? "held" : null), what: "the attempt in flight");

        // Meanwhile the liaison asks for everything from just before it again.
        using (var replay = await platform.Platform.PostAsync("/api/cooperation/v1/webhook/replay", "liaison.522701", new { from = message.Sequence - 1 }))
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        receiver.Mode = ReceiverMode.Up;
        receiver.Release();

        // The refused attempt is logged, but the replay stands: the message goes out again and is delivered.
        await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.Any(r => r.Id == message.Id.ToString()) ? "sent" : null), what: "the replayed message");
        var delivery = await platform.RecordedAsync("liaison.522701", message.Id, d => d["status"]!.GetValue<string>() == "delivered",
            "the message recorded as delivered");
        Assert.Equal(2, delivery["attempts"]!.GetValue<int>());
        var log = await platform.GetAsync("/api/cooperation/v1/webhook/attempts?limit=500", "liaison.522701");
        Assert.Equal(["failed", "delivered"], log["items"]!.AsArray().Where(a => a!["messageId"]!.GetValue<string>() == message.Id.ToString())
            .OrderBy(a => a!["attempt"]!.GetValue<int>()).Select(a => a!["outcome"]!.GetValue<string>()));
    }
}

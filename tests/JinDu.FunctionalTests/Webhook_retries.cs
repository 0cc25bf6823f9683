using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>
/// Issue 5, part 2: a receiver that was down gets everything afterwards, once per id; after the retry window
/// (24 hours, on the webhook clock) a message is dead-lettered, seen by the liaison and the admin, and replayed.
/// </summary>
public sealed class Webhook_retries(CooperationPlatform platform) : IClassFixture<CooperationPlatform>
{
    private Task<JsonNode> DeliveriesAsync(string liaison, string status) =>
        platform.GetAsync($"/api/cooperation/v1/webhook/deliveries?status={status}&limit=500", liaison);

    private async Task<JsonNode> DeliveryAsync(string liaison, Guid messageId) =>
        (await platform.GetAsync("/api/cooperation/v1/webhook/deliveries?limit=500", liaison))["items"]!.AsArray()
            .Single(d => d!["messageId"]!.GetValue<string>() == messageId.ToString())!;

    /// <summary>Waits until the message has had <paramref name="attempts"/> attempts.</summary>
    private Task<JsonNode> AttemptedAsync(string liaison, Guid messageId, int attempts) =>
        platform.RecordedAsync(liaison, messageId, d => d["attempts"]!.GetValue<int>() >= attempts, $"attempt {attempts} of {messageId}");

    /// <summary>Waits until the platform has recorded the message as delivered.</summary>
    private Task<JsonNode> DeliveredAsync(string liaison, Guid messageId) =>
        platform.RecordedAsync(liaison, messageId, d => d["status"]!.GetValue<string>() == "delivered", $"{messageId} recorded as delivered");

    /// <summary>Waits until the subscriber's position shows <paramref name="sequence"/> as the last one delivered.</summary>
    private Task<JsonNode> PositionAsync(string liaison, long sequence) =>
        PlatformClient.EventuallyAsync(async () =>
        {
            var p = await platform.GetAsync("/api/cooperation/v1/webhook/position", liaison);
            return p["lastDelivered"]?.GetValue<long>() == sequence && p["pending"]!.GetValue<int>() == 0 ? p : null;
        }, what: $"delivery through {sequence} recorded");

    [Fact]
    public async Task A_receiver_down_for_ten_minutes_gets_everything_afterwards_once_per_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Mode = ReceiverMode.Down;
        await platform.RegisterAsync("liaison.522726", receiver.Url);
        // One message while the back-off is watched (with several in flight at once, a sibling's 503 can hold one back
        // for a round, which a minute-by-minute look at its attempts would take for a changed back-off); four more
        // arrive later in the outage.
        var sent = new List<(Guid Id, long Sequence)> { await platform.NotifyAsync("522726", "down-0") };

        // The first message is tried and answered 503; the subscriber then rests until its retry is due.
        var first = await AttemptedAsync("liaison.522726", sent[0].Id, 1);
        Assert.Equal("pending", first["status"]!.GetValue<string>());
        Assert.Equal(503, first["lastStatusCode"]!.GetValue<int>());
        Assert.Empty(receiver.Accepted);

        // Ten minutes of an unreachable receiver, a minute at a time: retries back off (5 s, 10 s, 20 s, …). A retry
        // that the minute made due is waited for before the clock moves on (a fixed pause was too short for a busy
        // machine, and a late attempt looked like a shorter back-off).
        for (var minute = 0; minute < 10; minute++)
        {
            var before = await DeliveryAsync("liaison.522726", sent[0].Id);
            var attempts = before["attempts"]!.GetValue<int>();
            var dueAt = before["nextAttemptAt"]?.GetValue<DateTimeOffset>();
            platform.Advance(TimeSpan.FromMinutes(1));
            if (dueAt is { } due && due <= platform.Clock.GetUtcNow())
                await AttemptedAsync("liaison.522726", sent[0].Id, attempts + 1);
        }
        var retried = await AttemptedAsync("liaison.522726", sent[0].Id, 4);
        Assert.Equal("pending", retried["status"]!.GetValue<string>());
        var log = await platform.GetAsync("/api/cooperation/v1/webhook/attempts?limit=500", "liaison.522726");
        Assert.All(log["items"]!.AsArray(), a => Assert.Equal("retry", a!["outcome"]!.GetValue<string>()));
        var times = log["items"]!.AsArray().Where(a => a!["messageId"]!.GetValue<string>() == sent[0].Id.ToString())
            .Select(a => a!["attemptedAt"]!.GetValue<DateTimeOffset>()).ToList();
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps.Zip(gaps.Skip(1), (a, b) => b >= a).All(x => x), "retries back off: " + string.Join(", ", gaps));
        for (var i = 1; i < 5; i++) sent.Add(await platform.NotifyAsync("522726", $"down-{i}"));

        receiver.Mode = ReceiverMode.Up;
        platform.Advance(TimeSpan.FromHours(1));
        await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.Count >= sent.Count ? "all" : null), what: "everything after the outage");
        await Task.Delay(500); // anything sent twice would arrive now
        var accepted = receiver.Accepted;
        Assert.Equal(sent.Select(s => s.Id.ToString()).Order(), accepted.Select(a => a.Id).Order());
        // Every retry of a message carried the same webhook-id.
        Assert.All(receiver.Received, r => Assert.Contains(r.Id, sent.Select(s => s.Id.ToString())));

        var position = await PositionAsync("liaison.522726", sent[^1].Sequence);
        Assert.Equal(sent[^1].Sequence, position["deliveredThrough"]!.GetValue<long>());
        Assert.Equal(0, position["pending"]!.GetValue<int>());
        Assert.Empty(position["gaps"]!.AsArray());
    }

    [Fact]
    public async Task After_a_day_of_failures_a_message_is_dead_lettered_and_a_replay_delivers_it_under_the_same_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Mode = ReceiverMode.Down;
        await platform.RegisterAsync("liaison.522701", receiver.Url);
        var (id, sequence) = await platform.NotifyAsync("522701", "dead-letter");
        await AttemptedAsync("liaison.522701", id, 1);

        // Still retried just short of 24 hours …
        platform.Advance(TimeSpan.FromHours(23) + TimeSpan.FromMinutes(59));
        var retried = await AttemptedAsync("liaison.522701", id, 2);
        Assert.Equal("pending", retried["status"]!.GetValue<string>());
        // … and given up at the end of the window.
        platform.Advance(TimeSpan.FromMinutes(2));
        var dead = await PlatformClient.EventuallyAsync(async () =>
            (await DeliveriesAsync("liaison.522701", "dead"))["items"]!.AsArray().FirstOrDefault(d => d!["messageId"]!.GetValue<string>() == id.ToString()),
            what: "the dead letter");
        Assert.Equal(sequence, dead!["sequence"]!.GetValue<long>());

        // The platform admin sees it too, without its contents; another agency's liaison does not.
        var all = await platform.GetAsync("/api/cooperation/v1/webhooks/dead-letters?limit=500", "admin");
        var seen = all["items"]!.AsArray().Single(d => d!["messageId"]!.GetValue<string>() == id.ToString())!;
        Assert.Equal("522701", seen["agency"]!.GetValue<string>());
        Assert.DoesNotContain("dead-letter", all.ToJsonString());
        Assert.DoesNotContain((await DeliveriesAsync("liaison.522726", "dead"))["items"]!.AsArray(), d => d!["messageId"]!.GetValue<string>() == id.ToString());
        var deliveryId = dead["id"]!.GetValue<string>();
        using (var foreign = await platform.Platform.PostAsync($"/api/cooperation/v1/webhook/deliveries/{deliveryId}/replay", "liaison.522726", new { }))
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);

        receiver.Mode = ReceiverMode.Up;
        using var replay = await platform.Platform.PostAsync($"/api/cooperation/v1/webhook/deliveries/{deliveryId}/replay", "liaison.522701", new { });
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var delivered = await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.FirstOrDefault(w => w.Id == id.ToString())), what: "the replayed message");
        Assert.Equal(sequence.ToString(), JsonNode.Parse(delivered!.Body)!["sequence"]!.GetValue<string>());
        // The receiver has answered 2xx; the dispatcher records it just after, so the status is waited for.
        await DeliveredAsync("liaison.522701", id);

        // The admin can replay dead letters too.
        receiver.Mode = ReceiverMode.Reject;
        var (rejected, _) = await platform.NotifyAsync("522701", "rejected");
        var final = await PlatformClient.EventuallyAsync(async () =>
            (await DeliveriesAsync("liaison.522701", "dead"))["items"]!.AsArray().FirstOrDefault(d => d!["messageId"]!.GetValue<string>() == rejected.ToString()),
            what: "a 400 answer, dead at once");
        Assert.Equal(1, final!["attempts"]!.GetValue<int>());
        receiver.Mode = ReceiverMode.Up;
        using var byAdmin = await platform.Platform.PostAsync($"/api/cooperation/v1/webhooks/deliveries/{final["id"]}/replay", "admin", new { });
        Assert.Equal(HttpStatusCode.Accepted, byAdmin.StatusCode);
        await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.FirstOrDefault(w => w.Id == rejected.ToString())), what: "the admin's replay");
    }

    [Fact]
    public async Task A_receiver_sees_a_gap_and_replays_from_its_last_position()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await platform.RegisterAsync("liaison.522722", receiver.Url);
        var one = await platform.NotifyAsync("522722", "gap-1");
        await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.FirstOrDefault(w => w.Id == one.Id.ToString())), what: "the first");

        receiver.Mode = ReceiverMode.Reject; // the receiver loses the second message for good
        var two = await platform.NotifyAsync("522722", "gap-2");
        await PlatformClient.EventuallyAsync(async () =>
            (await DeliveriesAsync("liaison.522722", "dead"))["items"]!.AsArray().FirstOrDefault(d => d!["messageId"]!.GetValue<string>() == two.Id.ToString()),
            what: "the lost second message");
        receiver.Mode = ReceiverMode.Up;
        var three = await platform.NotifyAsync("522722", "gap-3");
        await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.FirstOrDefault(w => w.Id == three.Id.ToString())), what: "the third");

        // The receiver got sequence n and n+2: the platform names the gap too.
        var position = await PositionAsync("liaison.522722", three.Sequence);
        Assert.Equal([two.Sequence], position["gaps"]!.AsArray().Select(g => g!.GetValue<long>()).ToArray());
        Assert.Equal(one.Sequence, position["deliveredThrough"]!.GetValue<long>());
        Assert.Equal(three.Sequence, position["lastDelivered"]!.GetValue<long>());

        using var bad = await platform.Platform.PostAsync("/api/cooperation/v1/webhook/replay", "liaison.522722", new { from = -1 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var before = receiver.Accepted.Count;
        using var replay = await platform.Platform.PostAsync("/api/cooperation/v1/webhook/replay", "liaison.522722", new { from = one.Sequence });
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(2, JsonNode.Parse(await replay.Content.ReadAsStringAsync())!["queued"]!.GetValue<int>());
        await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.Count >= before + 2 ? "replayed" : null), what: "the replay");
        var replayed = receiver.Accepted.Skip(before).ToList();
        // Both, under their original ids (in flight together, they may arrive in either order).
        Assert.Equal(new[] { two.Id.ToString(), three.Id.ToString() }.Order(), replayed.Select(r => r.Id).Order());
        Assert.Empty((await PositionAsync("liaison.522722", three.Sequence))["gaps"]!.AsArray());
    }
}

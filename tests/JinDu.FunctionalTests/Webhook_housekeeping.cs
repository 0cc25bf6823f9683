using System.Net;
using System.Text.Json.Nodes;
using JinDu.Cooperation.Webhooks;
using JinDu.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>
/// The delivery log and delivered messages are removed after the retention (30 days on the webhook clock), a bounded
/// batch at a time; pending and dead-lettered messages and their log stay, the position reads as before, and a replay
/// from a position still sends every notification under its original id.
/// </summary>
public sealed class Webhook_housekeeping(CooperationPlatform platform) : IClassFixture<CooperationPlatform>
{
    private const string Liaison = "liaison.522701";

    private async Task<List<JsonNode>> ListAsync(string path) =>
        (await platform.GetAsync(path, Liaison))["items"]!.AsArray().Select(n => n!).ToList();

    private Task<List<JsonNode>> DeliveriesAsync(string? status = null) =>
        ListAsync("/api/cooperation/v1/webhook/deliveries?limit=500" + (status is null ? "" : $"&status={status}"));

    private async Task<JsonNode> DeliveryOfAsync(Guid messageId) =>
        await PlatformClient.EventuallyAsync(async () => (await DeliveriesAsync()).FirstOrDefault(d => d["messageId"]!.GetValue<string>() == messageId.ToString()),
            what: $"the delivery of {messageId}");

    private static long Sequence(JsonNode n) => n["sequence"]!.GetValue<long>();

    [Fact]
    public async Task Old_attempts_and_delivered_messages_go_in_bounded_passes_and_nothing_else_does()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await platform.RegisterAsync(Liaison, receiver.Url);
        var delivered = new List<(Guid Id, long Sequence)>();
        for (var i = 0; i < 5; i++) delivered.Add(await platform.NotifyAsync("522701", $"old-{i}"));
        await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.Count >= 5 ? "all" : null), what: "the five deliveries");
        // The dispatcher records each answer a moment after the receiver gave it.
        await PlatformClient.EventuallyAsync(async () => (await DeliveriesAsync("delivered")).Count >= 5 ? "recorded" : null, what: "the five recorded as delivered");

        // One message refused for good (dead letter) and one waiting for a receiver that is down (pending).
        receiver.Mode = ReceiverMode.Reject;
        var dead = await platform.NotifyAsync("522701", "rejected");
        await PlatformClient.EventuallyAsync(async () => (await DeliveryOfAsync(dead.Id))["status"]!.GetValue<string>() == "dead" ? "dead" : null, what: "the dead letter");
        receiver.Mode = ReceiverMode.Down;
        var waiting = await platform.NotifyAsync("522701", "waiting");
        await PlatformClient.EventuallyAsync(async () => (await DeliveryOfAsync(waiting.Id))["attempts"]!.GetValue<int>() >= 1 ? "tried" : null, what: "a first attempt");
        var positionBefore = await platform.GetAsync("/api/cooperation/v1/webhook/position", Liaison);
        var attemptsBefore = await ListAsync("/api/cooperation/v1/webhook/attempts?limit=500");
        Assert.Equal(7, attemptsBefore.Count);

        // Within the retention nothing goes.
        var housekeeping = platform.Factory.Services.GetRequiredService<WebhookHousekeeping>();
        platform.Advance(TimeSpan.FromDays(29));
        Assert.Equal(new HousekeepingPass(0, 0), await housekeeping.CleanUpAsync(CancellationToken.None));

        // Past it, passes of at most three rows of each kind until nothing is left to remove.
        platform.Advance(TimeSpan.FromDays(2));
        var passes = new List<HousekeepingPass>();
        for (var i = 0; i < 10; i++)
        {
            var pass = await housekeeping.CleanUpAsync(CancellationToken.None);
            passes.Add(pass);
            if (pass == new HousekeepingPass(0, 0)) break;
        }
        Assert.All(passes, p => Assert.True(p.Attempts <= 3 && p.Deliveries <= 3, $"a pass removed {p}"));
        Assert.True(passes.Count > 2, "more than one pass was needed: " + string.Join(", ", passes));
        Assert.Equal(5, passes.Sum(p => p.Attempts));
        Assert.Equal(4, passes.Sum(p => p.Deliveries));

        // The delivered messages but the last are gone, with their log; the dead letter and the waiting message stay, with theirs.
        var left = await DeliveriesAsync();
        Assert.Equal([delivered[4].Sequence, dead.Sequence, waiting.Sequence], left.Select(Sequence).Order());
        Assert.Equal("dead", left.Single(d => Sequence(d) == dead.Sequence)["status"]!.GetValue<string>());
        Assert.Contains(left.Single(d => Sequence(d) == waiting.Sequence)["status"]!.GetValue<string>(), new[] { "pending", "dead" });
        var attemptsAfter = await ListAsync("/api/cooperation/v1/webhook/attempts?limit=500");
        Assert.Equal([dead.Sequence, waiting.Sequence], attemptsAfter.Select(Sequence).Distinct().Order());
        Assert.Equal(attemptsBefore.Where(a => Sequence(a) == dead.Sequence).Count(), attemptsAfter.Count(a => Sequence(a) == dead.Sequence));

        // The position reads as before.
        var position = await platform.GetAsync("/api/cooperation/v1/webhook/position", Liaison);
        foreach (var field in new[] { "lastSequence", "deliveredThrough", "lastDelivered" })
            Assert.Equal(positionBefore[field]!.GetValue<long>(), position[field]!.GetValue<long>());
        Assert.Equal(positionBefore["gaps"]!.ToJsonString(), position["gaps"]!.ToJsonString());

        // A replay from the start sends every notification again under its original id, the removed ones included.
        receiver.Mode = ReceiverMode.Up;
        var firstSequence = delivered[0].Sequence - 1;
        using (var replay = await platform.Platform.PostAsync("/api/cooperation/v1/webhook/replay", Liaison, new { from = firstSequence }))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
            Assert.Equal(7, JsonNode.Parse(await replay.Content.ReadAsStringAsync())!["queued"]!.GetValue<int>());
        }
        await PlatformClient.EventuallyAsync(() => Task.FromResult(
            delivered.Concat([dead, waiting]).All(n => receiver.Accepted.Count(w => w.Id == n.Id.ToString()) >= (delivered.Contains(n) ? 2 : 1)) ? "all" : null),
            what: "every notification again");
        // Marked delivered once the dispatcher has the answers, which may be just after the receiver has the requests.
        await PlatformClient.EventuallyAsync(async () => (await DeliveriesAsync()).All(d => d["status"]!.GetValue<string>() == "delivered") ? "all" : null,
            what: "every delivery marked delivered");

        // What was delivered just now is within the retention and stays (the old log of the two settled messages may go now).
        Assert.Equal(0, (await housekeeping.CleanUpAsync(CancellationToken.None)).Deliveries);
        Assert.Equal(7, (await DeliveriesAsync("delivered")).Count);
    }
}

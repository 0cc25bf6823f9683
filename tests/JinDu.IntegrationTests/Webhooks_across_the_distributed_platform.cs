using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;
using Npgsql;

namespace JinDu.IntegrationTests;

/// <summary>
/// Issue 5, part 2, in the distributed mode: a flag posted through the gateway travels over RabbitMQ to
/// Cooperation (PostgreSQL) and out to a partner's receiver on loopback; a crash of Cooperation while the
/// receiver is down loses nothing and delivers nothing twice; housekeeping removes the old log on PostgreSQL.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class Webhooks_across_the_distributed_platform(DistributedPlatform platform)
{
    private readonly PlatformClient _client = platform.Platform();

    private async Task<string> RegisterAsync(string liaison, string url)
    {
        using var response = await _client.SendAsync(HttpMethod.Put, "/api/cooperation/v1/webhook", liaison, new { url });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}\n{platform.Logs()}");
        return JsonNode.Parse(body)!["newSecret"]!.GetValue<string>();
    }

    private async Task<string> PostSeizureAsync(string person)
    {
        using var posted = await _client.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(person), Guid.NewGuid().ToString());
        var body = await posted.Content.ReadAsStringAsync();
        Assert.True(posted.StatusCode == HttpStatusCode.Created, $"{(int)posted.StatusCode} {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    private static Func<Task<ReceivedWebhook?>> Arrival(WebhookReceiver receiver, string inspectionId) => () =>
        Task.FromResult(receiver.Accepted.FirstOrDefault(w => JsonNode.Parse(w.Body)!["data"]!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId));

    [Fact]
    public async Task A_flag_reaches_the_household_countys_receiver_signed_and_survives_a_crash_of_cooperation()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var secret = await RegisterAsync("liaison.522726", receiver.Url);
        try
        {
            var first = await PostSeizureAsync(TestIds.Person("522726"));
            var hook = await PlatformClient.EventuallyAsync(Arrival(receiver, first), TimeSpan.FromSeconds(30), "the first webhook");
            Assert.True(WebhookReceiver.Verify(hook!, secret, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), out var why), why);

            // The receiver goes down; a second flag is tried and refused; then Cooperation crashes.
            receiver.Mode = ReceiverMode.Down;
            var second = await PostSeizureAsync(TestIds.Person("522726"));
            await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Received.FirstOrDefault(w =>
                JsonNode.Parse(w.Body)!["data"]!["payload"]!["inspectionId"]?.GetValue<string>() == second)), TimeSpan.FromSeconds(30), "the refused attempt");
            await platform.StopServiceAsync("cooperation");
            try
            {
                receiver.Mode = ReceiverMode.Up;
            }
            finally
            {
                await platform.StartServiceAsync("cooperation");
            }
            var late = await PlatformClient.EventuallyAsync(Arrival(receiver, second), TimeSpan.FromSeconds(60), "the webhook after the restart");
            Assert.True(WebhookReceiver.Verify(late!, secret, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), out var why2), why2);

            await Task.Delay(1000);
            var ids = receiver.Accepted.Select(w => w.Id).ToList();
            Assert.Equal(ids.Distinct().Count(), ids.Count);
            var attempts = await _client.GetJsonAsync("/api/cooperation/v1/webhook/attempts?limit=500", "liaison.522726");
            Assert.Contains(attempts["items"]!.AsArray(), a => a!["messageId"]!.GetValue<string>() == late!.Id && a["statusCode"]?.GetValue<int>() == 503);
        }
        finally
        {
            using var removed = await _client.SendAsync(HttpMethod.Delete, "/api/cooperation/v1/webhook", "liaison.522726");
        }
    }

    [Fact]
    public async Task A_delivery_another_instance_has_leased_is_passed_over_on_PostgreSQL_until_its_lease_runs_out_and_is_then_sent_once()
    {
        const string liaison = "liaison.522701";
        await using var receiver = await WebhookReceiver.StartAsync();
        await RegisterAsync(liaison, receiver.Url);
        try
        {
            // A first flag is refused (503): its delivery waits for a retry.
            receiver.Mode = ReceiverMode.Down;
            var held = await PostSeizureAsync(TestIds.Person("522701"));
            var refused = await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Received.FirstOrDefault(w =>
                JsonNode.Parse(w.Body)!["data"]!["payload"]!["inspectionId"]?.GetValue<string>() == held)), TimeSpan.FromSeconds(30), "the refused attempt");
            await PlatformClient.EventuallyAsync(async () => (await _client.GetJsonAsync("/api/cooperation/v1/webhook/deliveries?limit=500", liaison))["items"]!
                .AsArray().FirstOrDefault(d => d!["messageId"]!.GetValue<string>() == refused!.Id && d["attempts"]!.GetValue<int>() >= 1),
                TimeSpan.FromSeconds(10), "the refused attempt recorded");

            // Now it is due, but another instance's dispatcher has taken it for an attempt (its lease runs for an hour).
            await SetDeliveryAsync(refused!.Id, """ "NextAttemptAt" = now() - interval '1 second', "LeasedUntil" = now() + interval '1 hour' """);
            receiver.Mode = ReceiverMode.Up;
            var free = await PostSeizureAsync(TestIds.Person("522701"));
            await PlatformClient.EventuallyAsync(Arrival(receiver, free), TimeSpan.FromSeconds(30), "the next flag's webhook, past the leased one");
            await Task.Delay(1000);
            Assert.DoesNotContain(receiver.Accepted, w => w.Id == refused.Id);

            // That instance is gone (it crashed mid-attempt): once its lease has run out, the message goes out, once.
            await SetDeliveryAsync(refused.Id, """ "LeasedUntil" = now() - interval '1 second' """);
            await PlatformClient.EventuallyAsync(Arrival(receiver, held), TimeSpan.FromSeconds(30), "the leased delivery after its lease");
            await Task.Delay(500); // a second push would arrive now
            Assert.Single(receiver.Accepted, w => w.Id == refused.Id);
        }
        finally
        {
            using var removed = await _client.SendAsync(HttpMethod.Delete, "/api/cooperation/v1/webhook", liaison);
        }
    }

    /// <summary>Sets columns of the delivery of one message in Cooperation's database, as another instance would.</summary>
    private async Task SetDeliveryAsync(string messageId, string set)
    {
        await using var connection = new NpgsqlConnection(platform.CooperationDatabase);
        await connection.OpenAsync();
        await using var update = new NpgsqlCommand($"UPDATE webhook_deliveries SET {set} WHERE \"MessageId\" = $1", connection) { Parameters = { new() { Value = Guid.Parse(messageId) } } };
        Assert.Equal(1, await update.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task Housekeeping_on_PostgreSQL_removes_the_old_log_and_delivered_messages_and_a_replay_still_sends_everything()
    {
        const string liaison = "liaison.522701";
        await using var receiver = await WebhookReceiver.StartAsync();
        await RegisterAsync(liaison, receiver.Url);
        try
        {
            var flags = new List<string>();
            for (var i = 0; i < 4; i++) flags.Add(await PostSeizureAsync(TestIds.Person("522701")));
            var sequences = new List<long>();
            var firstIds = new List<string>();
            foreach (var flag in flags)
            {
                var hook = await PlatformClient.EventuallyAsync(Arrival(receiver, flag), TimeSpan.FromSeconds(30), "the webhook of each flag");
                sequences.Add(long.Parse(JsonNode.Parse(hook!.Body)!["sequence"]!.GetValue<string>()));
                firstIds.Add(hook.Id);
            }
            // Once Cooperation has written the four answers down (a moment after the receiver gave them).
            var before = await PlatformClient.EventuallyAsync(async () =>
            {
                var p = await _client.GetJsonAsync("/api/cooperation/v1/webhook/position", liaison);
                return p["lastDelivered"]!.GetValue<long>() >= sequences.Max() && p["pending"]!.GetValue<int>() == 0 ? p : null;
            }, TimeSpan.FromSeconds(10), "the four recorded as delivered");

            try
            {
                // Cooperation again, now keeping its delivery log and delivered messages for one second, two rows a pass.
                await platform.RestartServiceAsync("cooperation", new Dictionary<string, string>
                {
                    ["Webhooks__AttemptRetention"] = "00:00:01",
                    ["Webhooks__HousekeepingInterval"] = "00:00:00.200",
                    ["Webhooks__HousekeepingBatchSize"] = "2",
                });
                await PlatformClient.EventuallyAsync(async () =>
                {
                    var attempts = (await _client.GetJsonAsync("/api/cooperation/v1/webhook/attempts?limit=500", liaison))["items"]!.AsArray();
                    var deliveries = (await _client.GetJsonAsync("/api/cooperation/v1/webhook/deliveries?limit=500", liaison))["items"]!.AsArray();
                    return attempts.Count == 0 && deliveries.Count == 1 ? deliveries : null;
                }, TimeSpan.FromSeconds(30), "the old log and all but the last delivered message removed");

                var after = await _client.GetJsonAsync("/api/cooperation/v1/webhook/position", liaison);
                foreach (var field in new[] { "lastSequence", "deliveredThrough", "lastDelivered" })
                    Assert.Equal(before[field]!.GetValue<long>(), after[field]!.GetValue<long>());

                // The notifications stay: a replay from before the first sends each again, under its original webhook-id.
                using var replay = await _client.PostAsync("/api/cooperation/v1/webhook/replay", liaison, new { from = sequences.Min() - 1 }, Guid.NewGuid().ToString());
                Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
                await PlatformClient.EventuallyAsync(() => Task.FromResult(
                    firstIds.All(id => receiver.Accepted.Count(w => w.Id == id) >= 2) ? "again" : null), TimeSpan.FromSeconds(30), "every flag's webhook again");
            }
            finally
            {
                await platform.RestartServiceAsync("cooperation");
            }
        }
        finally
        {
            using var removed = await _client.SendAsync(HttpMethod.Delete, "/api/cooperation/v1/webhook", liaison);
        }
    }

    [Fact]
    public async Task A_loopback_target_that_the_operator_did_not_allow_is_refused_through_the_gateway()
    {
        using var response = await _client.SendAsync(HttpMethod.Put, "/api/cooperation/v1/webhook", "liaison.522701", new { url = "https://127.0.0.2/hook" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.NotNull(JsonNode.Parse(body)!["errors"]!["url"]);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using JinDu.Cooperation.Grpc.V1;
using JinDu.Testing;

namespace JinDu.IntegrationTests;

/// <summary>
/// Issue 5's delivery promises in the distributed mode: flags posted through the gateway, over RabbitMQ, into
/// Cooperation on PostgreSQL and out to receivers on loopback. A message refused for its whole retry window is
/// dead-lettered, named as a gap and replayed under its id; a hanging subscriber does not hold a live one back;
/// nothing internal and no identifier under a tokens agreement leaves on any channel; a retired household code reaches
/// the prefecture; an overdue assistance request escalates once, and an outsider sees nothing of it.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class Partner_delivery_on_real_servers(DistributedPlatform platform)
{
    private readonly PlatformClient _client = platform.Platform();

    private Task<JsonNode> SendAsync(HttpMethod method, string path, string user, object? body, HttpStatusCode expected) =>
        _client.ExpectAsync(method, path, user, body, expected, platform.Logs);

    private async Task<string> RegisterAsync(string liaison, string url) =>
        (await SendAsync(HttpMethod.Put, "/api/cooperation/v1/webhook", liaison, new { url }, HttpStatusCode.Created))["newSecret"]!.GetValue<string>();

    private Task UnregisterAsync(string liaison) => _client.SendAsync(HttpMethod.Delete, "/api/cooperation/v1/webhook", liaison);

    /// <summary>A seizure posted by an officer of <paramref name="officerAgency"/> at their checkpoint; the inspection's id.</summary>
    private async Task<string> PostSeizureAsync(string person, string officerAgency = "522722")
    {
        var posted = await SendAsync(HttpMethod.Post, "/api/screening/v1/inspections", $"officer.{officerAgency}",
            PlatformClient.SeizureOf(person, PlatformClient.CheckpointOf(officerAgency)), HttpStatusCode.Created);
        return posted["id"]!.GetValue<string>();
    }

    private static string? InspectionOf(string body) => JsonNode.Parse(body)!["data"]?["payload"]?["inspectionId"]?.GetValue<string>();

    private static Func<Task<ReceivedWebhook?>> Accepted(WebhookReceiver receiver, string inspectionId) => () =>
        Task.FromResult(receiver.Accepted.FirstOrDefault(w => InspectionOf(w.Body) == inspectionId));

    private static long SequenceOf(ReceivedWebhook w) => long.Parse(JsonNode.Parse(w.Body)!["sequence"]!.GetValue<string>());

    private async Task<JsonNode?> InboxNoticeAsync(string user, Func<JsonNode, bool> which) =>
        (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", user))["items"]!.AsArray().FirstOrDefault(n => which(n!));

    [Fact]
    public async Task A_message_refused_for_its_whole_retry_window_is_dead_lettered_shown_as_a_gap_and_replayed_under_its_id()
    {
        const string liaison = "liaison.522722";
        await using var receiver = await WebhookReceiver.StartAsync();
        try
        {
            // Cooperation again with a retry window of seconds instead of 24 hours, and quick retries inside it.
            await platform.RestartServiceAsync("cooperation", new Dictionary<string, string>
            {
                ["Webhooks__RetryWindow"] = "00:00:04",
                ["Webhooks__FirstRetryDelay"] = "00:00:00.500",
                ["Webhooks__MaxRetryDelay"] = "00:00:01",
            });
            var secret = await RegisterAsync(liaison, receiver.Url);

            // 独山县 flags three 荔波县 residents: the first arrives, the second is refused (503) for its whole window.
            var first = await PlatformClient.EventuallyAsync(Accepted(receiver, await PostSeizureAsync(TestIds.Person("522722"), "522726")), TimeSpan.FromSeconds(30), "the first");
            receiver.Mode = ReceiverMode.Down;
            var secondInspection = await PostSeizureAsync(TestIds.Person("522722"), "522726");
            var refused = await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Received.FirstOrDefault(w => InspectionOf(w.Body) == secondInspection)),
                TimeSpan.FromSeconds(30), "the refused attempt");
            var dead = await PlatformClient.EventuallyAsync(async () =>
                (await _client.GetJsonAsync("/api/cooperation/v1/webhook/deliveries?status=dead&limit=500", liaison))["items"]!.AsArray()
                    .FirstOrDefault(d => d!["messageId"]!.GetValue<string>() == refused!.Id), TimeSpan.FromSeconds(30), "the dead letter");
            Assert.True(dead!["attempts"]!.GetValue<int>() >= 2, $"retried within its window: {dead}");
            Assert.All(receiver.Received.Where(w => w.Id == refused!.Id), w => Assert.Equal(503, w.Answer));

            receiver.Mode = ReceiverMode.Up;
            var third = await PlatformClient.EventuallyAsync(Accepted(receiver, await PostSeizureAsync(TestIds.Person("522722"), "522726")), TimeSpan.FromSeconds(30), "the third");
            var (one, two, three) = (SequenceOf(first!), SequenceOf(refused!), SequenceOf(third!));
            Assert.True(one < two && two < three, $"{one}, {two}, {three}");

            // The receiver holds n and n+2; the platform names n+1 as the gap, and the admin sees the dead letter too
            // (the position once Cooperation has written down the receiver's answer, a moment after the receiver gave it).
            var position = await PlatformClient.EventuallyAsync(async () =>
            {
                var p = await _client.GetJsonAsync("/api/cooperation/v1/webhook/position", liaison);
                return p["lastDelivered"]!.GetValue<long>() >= three ? p : null;
            }, TimeSpan.FromSeconds(10), "the third recorded as delivered");
            Assert.Equal([two], position["gaps"]!.AsArray().Select(g => g!.GetValue<long>()).Where(s => s >= one).ToArray());
            Assert.True(position["deliveredThrough"]!.GetValue<long>() < two, position.ToJsonString());
            Assert.True(position["lastDelivered"]!.GetValue<long>() >= three, position.ToJsonString());
            var letters = await _client.GetJsonAsync("/api/cooperation/v1/webhooks/dead-letters?agency=522722&limit=500", "admin");
            Assert.Contains(letters["items"]!.AsArray(), d => d!["messageId"]!.GetValue<string>() == refused!.Id);

            // The liaison replays the dead letter: it arrives under its first webhook-id, signed, and the gap closes.
            await SendAsync(HttpMethod.Post, $"/api/cooperation/v1/webhook/deliveries/{dead["id"]}/replay", liaison, new { }, HttpStatusCode.Accepted);
            var replayed = await PlatformClient.EventuallyAsync(Accepted(receiver, secondInspection), TimeSpan.FromSeconds(30), "the replayed dead letter");
            Assert.Equal(refused!.Id, replayed!.Id);
            Assert.True(WebhookReceiver.Verify(replayed, secret, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), out var why), why);
            await PlatformClient.EventuallyAsync(async () =>
            {
                var now = await _client.GetJsonAsync("/api/cooperation/v1/webhook/position", liaison);
                return now["gaps"]!.AsArray().Select(g => g!.GetValue<long>()).Any(s => s >= one) ? null : now;
            }, TimeSpan.FromSeconds(10), "no gap left");

            // A receiver that lost its state resumes from its last position: everything after it again, same ids.
            var before = receiver.Accepted.Count;
            await SendAsync(HttpMethod.Post, "/api/cooperation/v1/webhook/replay", liaison, new { from = one }, HttpStatusCode.Accepted);
            await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.Count >= before + 2 ? "again" : null), TimeSpan.FromSeconds(30), "the replay from the position");
            Assert.Equal(new[] { refused.Id, third!.Id }.Order(), receiver.Accepted.Skip(before).Select(w => w.Id).Where(id => id == refused.Id || id == third.Id).Order());

            // A replay while an attempt is in flight stands: the attempt (refused for good, 400) is logged but does not
            // turn the replayed message into a dead letter; it goes out again and is delivered.
            receiver.Mode = ReceiverMode.Reject;
            receiver.Hold();
            var fourthInspection = await PostSeizureAsync(TestIds.Person("522722"), "522726");
            var inFlight = await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Held > 0
                ? receiver.Received.FirstOrDefault(w => InspectionOf(w.Body) == fourthInspection) : null), TimeSpan.FromSeconds(30), "the attempt in flight");
            await SendAsync(HttpMethod.Post, "/api/cooperation/v1/webhook/replay", liaison, new { from = SequenceOf(inFlight!) - 1 }, HttpStatusCode.Accepted);
            receiver.Mode = ReceiverMode.Up;
            receiver.Release();
            await PlatformClient.EventuallyAsync(Accepted(receiver, fourthInspection), TimeSpan.FromSeconds(30), "the replayed in-flight message");
            var settled = await PlatformClient.EventuallyAsync(async () =>
                (await _client.GetJsonAsync("/api/cooperation/v1/webhook/deliveries?limit=500", liaison))["items"]!.AsArray()
                    .FirstOrDefault(d => d!["messageId"]!.GetValue<string>() == inFlight!.Id && d["status"]!.GetValue<string>() == "delivered"),
                TimeSpan.FromSeconds(10), "the in-flight message recorded as delivered");
            Assert.Equal(2, settled!["attempts"]!.GetValue<int>());
        }
        finally
        {
            await UnregisterAsync(liaison);
            await platform.RestartServiceAsync("cooperation");
        }
    }

    [Fact]
    public async Task A_hanging_subscriber_does_not_hold_back_a_live_one()
    {
        await using var hanging = await WebhookReceiver.StartAsync();
        await using var live = await WebhookReceiver.StartAsync();
        hanging.Mode = ReceiverMode.Hang;
        try
        {
            // Cooperation again, waiting 30 s for an answer instead of 10: a live subscriber served behind the hanging one
            // would wait that long, far beyond any delay of a busy machine.
            await platform.RestartServiceAsync("cooperation", new Dictionary<string, string> { ["Webhooks__RequestTimeout"] = "00:00:30" });
            await RegisterAsync("liaison.522701", hanging.Url);
            await RegisterAsync("liaison.522726", live.Url);
            // Flags of 都匀市's and 独山县's residents in turn; 都匀市's receiver never answers.
            var watch = Stopwatch.StartNew();
            var toLive = new List<string>();
            for (var i = 0; i < 10; i++)
            {
                await PostSeizureAsync(TestIds.Person("522701"));
                toLive.Add(await PostSeizureAsync(TestIds.Person("522726")));
            }
            await PlatformClient.EventuallyAsync(() => Task.FromResult(toLive.All(id => live.Accepted.Any(w => InspectionOf(w.Body) == id)) ? "all" : null),
                TimeSpan.FromSeconds(30), "the live subscriber's notices");
            var elapsed = watch.Elapsed;
            await PlatformClient.EventuallyAsync(() => Task.FromResult(hanging.Received.Count > 0 ? "tried" : null), TimeSpan.FromSeconds(10), "a request to the hanging receiver");

            Assert.True(elapsed < TimeSpan.FromSeconds(15), $"the live subscriber had its notices after {elapsed}");
            Assert.Empty(hanging.Accepted);
            Assert.Equal(live.Accepted.Count, live.Accepted.Select(w => w.Id).Distinct().Count());
        }
        finally
        {
            await UnregisterAsync("liaison.522701");
            await UnregisterAsync("liaison.522726");
            await platform.RestartServiceAsync("cooperation");
        }
    }

    [Fact]
    public async Task Nothing_internal_and_no_identifier_under_a_tokens_agreement_leaves_on_any_channel()
    {
        const string liaison = "liaison.522726";
        var agreement = await SendAsync(HttpMethod.Post, "/api/cooperation/v1/agreements", "admin",
            new { parties = new[] { "522701", "522726" }, sharingLevels = new[] { "partners" }, disclosure = "tokens" }, HttpStatusCode.Created);
        var subscription = await SendAsync(HttpMethod.Post, "/api/cooperation/v1/subscriptions", liaison, new { types = new[] { "lead_shared" } }, HttpStatusCode.Created);
        await using var receiver = await WebhookReceiver.StartAsync();
        await RegisterAsync(liaison, receiver.Url);
        try
        {
            var start = (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=1", liaison))["lastSequence"]!.GetValue<long>();
            var person = TestIds.Person("522726");
            object Lead() => new
            {
                summary = "线人称其每周从云南带货", severity = 4, substances = new[] { "heroin" },
                subjects = new[] { new { kind = "person", value = person } },
            };

            // 都匀市 keeps one lead internal and shares another with 独山县 under their tokens agreement, then its officer
            // seizes the person, a 独山县 resident: the household notice is bound by the same agreement.
            var secret = await SendAsync(HttpMethod.Post, "/api/leads/v1/leads", "analyst.522701", Lead(), HttpStatusCode.Created);
            await SendAsync(HttpMethod.Post, $"/api/leads/v1/leads/{secret["id"]}/sharing", "analyst.522701", new { level = "internal" }, HttpStatusCode.OK);
            var shared = await SendAsync(HttpMethod.Post, "/api/leads/v1/leads", "analyst.522701", Lead(), HttpStatusCode.Created);
            await SendAsync(HttpMethod.Post, $"/api/leads/v1/leads/{shared["id"]}/sharing", "supervisor.522701",
                new { level = "partners", agencies = new[] { "522726" } }, HttpStatusCode.OK);
            var inspectionId = await PostSeizureAsync(person, "522701");
            string secretReference = secret["reference"]!.GetValue<string>(), sharedReference = shared["reference"]!.GetValue<string>();
            bool Complete(string text) => text.Contains(sharedReference) && text.Contains(inspectionId);

            var channels = new Dictionary<string, string>();
            channels["webhook"] = await PlatformClient.EventuallyAsync(() =>
            {
                var bodies = string.Join("\n", receiver.Accepted.Select(w => w.Body));
                return Task.FromResult(Complete(bodies) ? bodies : null);
            }, TimeSpan.FromSeconds(30), "both notices at the webhook");
            channels["inbox"] = (await _client.GetJsonAsync($"/api/cooperation/v1/inbox?after={start}&limit=500", liaison)).ToJsonString();

            using (var channel = GrpcChannel.ForAddress(platform.GatewayGrpcUrl))
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                var headers = new Metadata { { "Authorization", "Bearer " + await _client.TokenAsync(liaison) } };
                using var call = new Notifications.NotificationsClient(channel).Stream(new StreamNotificationsRequest { AfterSequence = start }, headers);
                var seen = "";
                while (!Complete(seen) && await call.ResponseStream.MoveNext(timeout.Token))
                    seen += call.ResponseStream.Current.ToString();
                channels["grpc"] = seen;
            }

            using (var http = new HttpClient { BaseAddress = new Uri(platform.GatewayUrl), Timeout = Timeout.InfiniteTimeSpan })
            using (var request = new HttpRequestMessage(HttpMethod.Get, $"/api/cooperation/v1/inbox/stream?after={start}"))
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _client.TokenAsync(liaison));
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
                var seen = "";
                await foreach (var item in SseParser.Create(body).EnumerateAsync(timeout.Token))
                {
                    seen += item.Data + "\n";
                    if (Complete(seen)) break;
                }
                channels["sse"] = seen;
            }

            var masked = person[..4] + "**********" + person[^4..];
            foreach (var (name, text) in channels)
            {
                Assert.True(Complete(text), $"{name}: the shared lead's or the household notice is missing: {text}");
                Assert.False(text.Contains(secretReference), $"{name}: the internal lead reached a partner");
                Assert.False(text.Contains(person), $"{name}: the ID number left in plaintext");
                Assert.False(text.Contains(masked), $"{name}: the masked ID number left under a tokens agreement");
                Leaks.AssertNoTail(text, person);
            }
            // The household notice names the person by token only: what 独山县 matches against its own records.
            var notice = JsonNode.Parse(receiver.Accepted.First(w => InspectionOf(w.Body) == inspectionId).Body)!["data"]!["payload"]!;
            Assert.Null(notice["subjectMasked"]);
            Assert.Matches("^[A-Za-z0-9_-]{20,}$", notice["subjectToken"]!.GetValue<string>());
        }
        finally
        {
            await UnregisterAsync(liaison);
            await _client.SendAsync(HttpMethod.Delete, $"/api/cooperation/v1/subscriptions/{subscription["id"]}", liaison);
            await _client.SendAsync(HttpMethod.Delete, $"/api/cooperation/v1/agreements/{agreement["id"]}", "admin");
        }
    }

    [Fact]
    public async Task A_resident_of_a_retired_county_code_is_reported_to_the_prefecture()
    {
        // 522724 is not in the 2023 division list; its prefecture 5227 (黔南州) is.
        var inspectionId = await PostSeizureAsync(TestIds.Person("522724"));
        var notice = await PlatformClient.EventuallyAsync(() => InboxNoticeAsync("supervisor.522700",
            n => n["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId), TimeSpan.FromSeconds(30), "the notice to the prefecture");
        Assert.Equal("prefecture", notice!["payload"]!["routedLevel"]!.GetValue<string>());
        Assert.Equal("522700", notice["payload"]!["routedTo"]!.GetValue<string>());
        Assert.Equal("522724", notice["payload"]!["householdCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_overdue_request_escalates_once_to_the_prefecture_and_an_outsider_sees_nothing_of_it()
    {
        object Ask() => new
        {
            assistingAgency = "522701", leadId = Guid.NewGuid(), leadReference = "DS-PG-OVERDUE", question = "请协查该人员近期行踪",
            requestedActions = new[] { "locate_person" }, priority = "urgent", deadline = DateTimeOffset.UtcNow.AddSeconds(3),
        };
        // A supervisor's request goes out at once; the deadline runs on Cooperation's clock, checked every 30 s.
        var late = (await SendAsync(HttpMethod.Post, "/api/cooperation/v1/assistance", "supervisor.522726", Ask(), HttpStatusCode.Created))["id"]!.GetValue<string>();
        var answered = (await SendAsync(HttpMethod.Post, "/api/cooperation/v1/assistance", "supervisor.522726", Ask(), HttpStatusCode.Created))["id"]!.GetValue<string>();
        await SendAsync(HttpMethod.Post, $"/api/cooperation/v1/assistance/{answered}/answer", "liaison.522701", new { text = "已核实" }, HttpStatusCode.OK);

        bool About(JsonNode n, string id) => n["payload"]!["requestId"]?.GetValue<string>() == id;
        var escalation = await PlatformClient.EventuallyAsync(() => InboxNoticeAsync("supervisor.522700", n => About(n, late)), TimeSpan.FromSeconds(60), "the escalation");
        Assert.Equal("assistance_overdue", escalation!["type"]!.GetValue<string>());
        Assert.Equal("522700", escalation["payload"]!["escalatedTo"]!.GetValue<string>());
        Assert.NotNull(await InboxNoticeAsync("liaison.522701", n => n["type"]!.GetValue<string>() == "assistance_overdue" && About(n, late)));
        var request = await _client.GetJsonAsync($"/api/cooperation/v1/assistance/{late}", "analyst.522726");
        Assert.True(request["overdue"]!.GetValue<bool>());
        Assert.Equal("522700", request["escalatedTo"]!.GetValue<string>());

        // Once only, and not the one answered in time.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var inbox = (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "supervisor.522700"))["items"]!.AsArray();
        Assert.Single(inbox, n => About(n!, late));
        Assert.DoesNotContain(inbox, n => About(n!, answered));

        // 荔波县 is outside the request: 404 for it, and nothing of it in its inbox.
        using (var outsider = await _client.GetAsync($"/api/cooperation/v1/assistance/{late}", "analyst.522722"))
            Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
        var outsiderInbox = (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "liaison.522722")).ToJsonString();
        Assert.DoesNotContain(late, outsiderInbox);
        Assert.DoesNotContain("DS-PG-OVERDUE", outsiderInbox);
    }
}

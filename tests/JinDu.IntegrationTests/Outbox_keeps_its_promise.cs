using System.Net;
using System.Text.Json.Nodes;
using JinDu.Contracts;
using JinDu.Screening.Contracts.Events;
using JinDu.Testing;

namespace JinDu.IntegrationTests;

/// <summary>
/// A state change and its events commit together; nothing is lost while the broker is away and
/// nothing is applied twice when an event arrives again.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class Outbox_keeps_its_promise(DistributedPlatform platform)
{
    private readonly PlatformClient _client = platform.Platform();

    [Fact]
    public async Task Posting_succeeds_while_the_broker_is_down_and_the_events_arrive_once_it_is_back()
    {
        var posted = new List<string>();
        await platform.Servers.StopBrokerAsync();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                using var response = await _client.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(TestIds.Person("522726")));
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}\n{platform.Logs()}");
                posted.Add(JsonNode.Parse(body)!["id"]!.GetValue<string>());
            }
            await Task.Delay(TimeSpan.FromSeconds(2));
            // Readiness tells operators the broker is away, while the service keeps taking writes.
            using var http = new HttpClient();
            using var ready = await http.GetAsync(platform.ScreeningUrl + "/health/ready");
            Assert.True(ready.StatusCode == HttpStatusCode.ServiceUnavailable, await ready.Content.ReadAsStringAsync());
            foreach (var id in posted)
                Assert.Empty((await _client.GetJsonAsync($"/api/leads/v1/leads?sourceId={id}", "analyst.522722"))["items"]!.AsArray());
        }
        finally
        {
            await platform.Servers.StartBrokerAsync();
        }

        foreach (var id in posted)
        {
            await PlatformClient.EventuallyAsync(async () =>
                (await _client.GetJsonAsync($"/api/leads/v1/leads?sourceId={id}", "analyst.522722"))["items"]!.AsArray().FirstOrDefault(),
                TimeSpan.FromSeconds(60), $"the lead for {id} after the broker came back");
        }
        // Exactly one lead and one notice per inspection.
        foreach (var id in posted)
            Assert.Single((await _client.GetJsonAsync($"/api/leads/v1/leads?sourceId={id}", "analyst.522722"))["items"]!.AsArray());
        var inbox = await PlatformClient.EventuallyAsync(async () =>
        {
            var items = (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "liaison.522726"))["items"]!.AsArray();
            return posted.All(id => items.Any(n => n!["payload"]!["inspectionId"]?.GetValue<string>() == id)) ? items : null;
        }, TimeSpan.FromSeconds(60), "the notices after the broker came back");
        foreach (var id in posted)
            Assert.Single(inbox, n => n!["payload"]!["inspectionId"]?.GetValue<string>() == id);
    }

    [Fact]
    public async Task An_event_delivered_twice_has_one_effect()
    {
        var person = TestIds.Person("522726");
        var flag = new InspectionFlagged
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            ProducerAgency = "522722",
            InspectionId = Guid.NewGuid(),
            CheckpointId = PlatformClient.LiboCheckpoint,
            CheckpointName = "荔波高速公路检查站",
            Result = "seizure",
            InspectedAt = DateTimeOffset.UtcNow,
            Subjects = [new FlaggedSubject(SubjectKind.Person, "test-token-" + Guid.NewGuid().ToString("N"), person[..4] + "**********" + person[^4..], "522726")],
            Seizures = [new SeizureLine("heroin", 3.2m)],
        };
        await platform.PublishAsync(flag, flag);

        var lead = await PlatformClient.EventuallyAsync(async () =>
            (await _client.GetJsonAsync($"/api/leads/v1/leads?sourceId={flag.InspectionId}", "analyst.522722"))["items"]!.AsArray().FirstOrDefault(),
            TimeSpan.FromSeconds(30), "the lead");
        await PlatformClient.EventuallyAsync(async () =>
            (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "liaison.522726"))["items"]!.AsArray()
                .FirstOrDefault(n => n!["payload"]!["inspectionId"]?.GetValue<string>() == flag.InspectionId.ToString()),
            TimeSpan.FromSeconds(30), "the notice");
        await Task.Delay(TimeSpan.FromSeconds(2)); // room for a second, wrong effect to show up

        var detail = await _client.GetJsonAsync($"/api/leads/v1/leads/{lead!["id"]}", "analyst.522722");
        Assert.Single(detail["timeline"]!.AsArray()); // a second application would have added "flag_joined"
        Assert.Single((await _client.GetJsonAsync($"/api/leads/v1/leads?sourceId={flag.InspectionId}", "analyst.522722"))["items"]!.AsArray());
        var inbox = (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "liaison.522726"))["items"]!.AsArray();
        Assert.Single(inbox, n => n!["payload"]!["inspectionId"]?.GetValue<string>() == flag.InspectionId.ToString());
    }
}

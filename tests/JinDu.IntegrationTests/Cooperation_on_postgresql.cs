using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.IntegrationTests;

/// <summary>
/// Issue 5, parts 1 and 3, in the distributed mode (PostgreSQL schema from migrations, RabbitMQ): agreements,
/// watch subscriptions matched against flags arriving over the broker, and an assistance request from ask to answer.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class Cooperation_on_postgresql(DistributedPlatform platform)
{
    private readonly PlatformClient _client = platform.Platform();

    private Task<JsonNode> SendAsync(HttpMethod method, string path, string user, object? body, HttpStatusCode expected) =>
        _client.ExpectAsync(method, path, user, body, expected, platform.Logs);

    [Fact]
    public async Task A_watched_person_flagged_elsewhere_reaches_the_watcher_by_token_only()
    {
        await SendAsync(HttpMethod.Post, "/api/cooperation/v1/agreements", "admin",
            new { parties = new[] { "522701", "522723" }, sharingLevels = new[] { "partners" }, disclosure = "tokens" }, HttpStatusCode.Created);
        var person = TestIds.Person("522726");
        await SendAsync(HttpMethod.Post, "/api/cooperation/v1/subscriptions", "liaison.522701",
            new { types = new[] { "household_notice" }, watch = new[] { new { kind = "person", value = person } } }, HttpStatusCode.Created);

        var inspection = await SendAsync(HttpMethod.Post, "/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(person), HttpStatusCode.Created);
        var inspectionId = inspection["id"]!.GetValue<string>();
        var notice = await PlatformClient.EventuallyAsync(async () =>
            (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "liaison.522701"))["items"]!.AsArray()
                .FirstOrDefault(n => n!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId), TimeSpan.FromSeconds(30), "the watcher's notice");
        Assert.Equal("watch", notice!["payload"]!["routedLevel"]!.GetValue<string>());
        Assert.DoesNotContain(person, notice.ToJsonString());
    }

    [Fact]
    public async Task An_assistance_request_goes_from_ask_to_answer_and_an_outsider_sees_nothing()
    {
        var created = await SendAsync(HttpMethod.Post, "/api/cooperation/v1/assistance", "analyst.522722", new
        {
            assistingAgency = "522726", leadId = Guid.NewGuid(), leadReference = "LB-PG-1", question = "请核实该人员住址",
            requestedActions = new[] { "locate_person" }, priority = "normal",
        }, HttpStatusCode.Created);
        var id = created["id"]!.GetValue<string>();
        Assert.Equal("pending_approval", created["status"]!.GetValue<string>());
        using (var unseen = await _client.GetAsync($"/api/cooperation/v1/assistance/{id}", "liaison.522726"))
            Assert.Equal(HttpStatusCode.NotFound, unseen.StatusCode);
        await SendAsync(HttpMethod.Post, $"/api/cooperation/v1/assistance/{id}/approve", "supervisor.522722", new { }, HttpStatusCode.OK);
        await PlatformClient.EventuallyAsync(async () =>
            (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "liaison.522726"))["items"]!.AsArray()
                .FirstOrDefault(n => n!["payload"]!["requestId"]?.GetValue<string>() == id), TimeSpan.FromSeconds(10), "the request notice");

        await SendAsync(HttpMethod.Post, $"/api/cooperation/v1/assistance/{id}/answer", "liaison.522726",
            new { text = "已核实", findings = new[] { new { kind = "address", detail = "独山县", confirmed = true } } }, HttpStatusCode.OK);
        var read = await _client.GetJsonAsync($"/api/cooperation/v1/assistance/{id}", "analyst.522722");
        Assert.Equal("answered", read["status"]!.GetValue<string>());
        Assert.Equal("独山县", read["findings"]![0]!["detail"]!.GetValue<string>());
        using var outsider = await _client.GetAsync($"/api/cooperation/v1/assistance/{id}", "analyst.522701");
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
    }
}

using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>
/// Issue 5, part 3: 协查 from request (through a supervisor's approval) to close, who sees it, and escalation on the
/// Cooperation clock.
/// </summary>
public sealed class Assistance_requests(CooperationPlatform platform) : IClassFixture<CooperationPlatform>
{
    private const string Base = "/api/cooperation/v1/assistance";

    private static object Ask(string to, string priority = "urgent", object? deadline = null) => new
    {
        assistingAgency = to,
        leadId = Guid.NewGuid(),
        leadReference = "LB-" + Guid.NewGuid().ToString("N")[..6],
        question = "请核实张三（身份证 522726199003070011）是否仍在贵县居住",
        requestedActions = new[] { "verify_identity", "locate_person" },
        priority,
        deadline,
    };

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string user, object? body = null)
    {
        using var response = await platform.Platform.SendAsync(method, path, user, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<JsonNode> CreateAsync(string user, object body)
    {
        var (status, created) = await SendAsync(HttpMethod.Post, Base, user, body);
        Assert.True(status == HttpStatusCode.Created, created?.ToJsonString());
        return created!;
    }

    private async Task<JsonArray> InboxAsync(string user) =>
        (await platform.GetAsync("/api/cooperation/v1/inbox?limit=500", user))["items"]!.AsArray();

    /// <summary>What B (and B's prefecture, when it is not also A's) can find of a request: nothing, before it is sent.</summary>
    private async Task AssertUnseenByAsync(string id, params string[] users)
    {
        foreach (var user in users)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"{Base}/{id}", user)).Status);
            Assert.DoesNotContain((await platform.GetAsync($"{Base}?limit=500", user))["items"]!.AsArray(), r => r!["id"]!.GetValue<string>() == id);
            Assert.DoesNotContain(await InboxAsync(user), n => n!["payload"]!["requestId"]?.GetValue<string>() == id);
        }
    }

    [Fact]
    public async Task Goes_from_request_through_approval_to_answer_to_close_with_notices_to_each_side()
    {
        var created = await CreateAsync("analyst.522722", Ask("522726"));
        var id = created["id"]!.GetValue<string>();
        Assert.Equal("pending_approval", created["status"]!.GetValue<string>());
        Assert.Null(created["decidedBy"]);

        // Until a supervisor of 荔波县 sends it, 独山县 sees nothing of it and cannot act on it.
        await AssertUnseenByAsync(id, "liaison.522726", "supervisor.522726");
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/acknowledge", "liaison.522726")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/answer", "analyst.522726", new { text = "x" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/approve", "supervisor.522726")).Status);
        // Only a supervisor, and only one of the requesting agency (not its prefecture's), approves.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/approve", "analyst.522722")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/approve", "liaison.522722")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/approve", "supervisor.522700")).Status);
        Assert.Contains((await platform.GetAsync($"{Base}?status=pending_approval&limit=500", "supervisor.522722"))["items"]!.AsArray(),
            r => r!["id"]!.GetValue<string>() == id);

        // Approved two hours later: the 8 hours run from the approval.
        platform.Advance(TimeSpan.FromHours(2));
        var (approvedStatus, approved) = await SendAsync(HttpMethod.Post, $"{Base}/{id}/approve", "supervisor.522722");
        Assert.Equal(HttpStatusCode.OK, approvedStatus);
        Assert.Equal("requested", approved!["status"]!.GetValue<string>());
        Assert.Equal("supervisor.522722", approved["decidedBy"]!.GetValue<string>());
        Assert.Equal(platform.Clock.GetUtcNow().AddHours(8), approved["deadline"]!.GetValue<DateTimeOffset>(), TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/approve", "supervisor.522722")).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/refuse", "supervisor.522722", new { reason = "晚了" })).Status);
        var audit = await platform.GetAsync("/api/cooperation/v1/audit?actor=supervisor.522722", "auditor");
        Assert.Contains(audit["items"]!.AsArray(), e => e!["target"]!.GetValue<string>() == $"assistance/{id}" && e["action"]!.GetValue<string>() == "approve");

        // B hears of it in its inbox: a pointer, not the question (which names a person).
        var notice = (await InboxAsync("liaison.522726")).Single(n => n!["payload"]!["requestId"]?.GetValue<string>() == id)!;
        Assert.Equal("assistance_requested", notice["type"]!.GetValue<string>());
        Assert.Equal("urgent", notice["payload"]!["priority"]!.GetValue<string>());
        Assert.DoesNotContain("522726199003070011", notice.ToJsonString());

        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/acknowledge", "analyst.522722")).Status);
        var (ack, acknowledged) = await SendAsync(HttpMethod.Post, $"{Base}/{id}/acknowledge", "liaison.522726");
        Assert.Equal(HttpStatusCode.OK, ack);
        Assert.Equal("acknowledged", acknowledged!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/acknowledge", "liaison.522726")).Status);

        var (bad, problem) = await SendAsync(HttpMethod.Post, $"{Base}/{id}/answer", "analyst.522726",
            new { text = "", findings = new[] { new { kind = "rumour", detail = "", confirmed = false } } });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal(["findings[0].detail", "findings[0].kind", "text"], problem!["errors"]!.AsObject().Select(e => e.Key).Order().ToArray());

        var (ok, answered) = await SendAsync(HttpMethod.Post, $"{Base}/{id}/answer", "analyst.522726", new
        {
            text = "经核实，该人员现居住于独山县城关镇。",
            findings = new[] { new { kind = "address", detail = "独山县城关镇某小区", confirmed = true } },
        });
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal("answered", answered!["status"]!.GetValue<string>());
        Assert.Equal("address", answered["findings"]![0]!["kind"]!.GetValue<string>());

        var reply = (await InboxAsync("liaison.522722")).Single(n => n!["payload"]!["requestId"]?.GetValue<string>() == id)!;
        Assert.Equal("assistance_answered", reply["type"]!.GetValue<string>());
        Assert.Equal("answered", reply["payload"]!["status"]!.GetValue<string>());
        var asRequester = await platform.GetAsync($"{Base}/{id}", "supervisor.522722");
        Assert.Equal("经核实，该人员现居住于独山县城关镇。", asRequester["answer"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/close", "liaison.522726")).Status);
        var (closedStatus, closed) = await SendAsync(HttpMethod.Post, $"{Base}/{id}/close", "analyst.522722");
        Assert.Equal(HttpStatusCode.OK, closedStatus);
        Assert.Equal("closed", closed!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/answer", "analyst.522726", new { text = "again" })).Status);
    }

    [Fact]
    public async Task Is_seen_by_the_two_agencies_and_their_prefecture_only()
    {
        var created = await CreateAsync("supervisor.522722", Ask("522726", "normal"));
        var id = created["id"]!.GetValue<string>();
        // A supervisor's own request goes out at once.
        Assert.Equal("requested", created["status"]!.GetValue<string>());
        Assert.Equal("supervisor.522722", created["decidedBy"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"{Base}/{id}", "analyst.522701")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/acknowledge", "liaison.522701")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/close", "liaison.522701")).Status);
        Assert.DoesNotContain((await platform.GetAsync($"{Base}?limit=500", "analyst.522701"))["items"]!.AsArray(), r => r!["id"]!.GetValue<string>() == id);
        Assert.DoesNotContain(await InboxAsync("liaison.522701"), n => n!["payload"]!["requestId"]?.GetValue<string>() == id);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"{Base}/{id}", "supervisor.522700")).Status);
        Assert.Contains((await platform.GetAsync($"{Base}?role=received&limit=500", "liaison.522726"))["items"]!.AsArray(), r => r!["id"]!.GetValue<string>() == id);
        Assert.DoesNotContain((await platform.GetAsync($"{Base}?role=sent&limit=500", "liaison.522726"))["items"]!.AsArray(), r => r!["id"]!.GetValue<string>() == id);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, $"{Base}/{id}", "admin")).Status);

        var audit = await platform.GetAsync("/api/cooperation/v1/audit?actor=supervisor.522700", "auditor");
        Assert.Contains(audit["items"]!.AsArray(), e => e!["target"]!.GetValue<string>() == $"assistance/{id}" && e["action"]!.GetValue<string>() == "read");
    }

    [Fact]
    public async Task A_normal_request_is_due_in_three_days_and_can_be_declined_with_a_reason()
    {
        var created = await CreateAsync("supervisor.522701", Ask("522722", "normal"));
        var id = created["id"]!.GetValue<string>();
        Assert.Equal(platform.Clock.GetUtcNow().AddDays(3), created["deadline"]!.GetValue<DateTimeOffset>(), TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/decline", "liaison.522722", new { reason = " " })).Status);
        var (status, declined) = await SendAsync(HttpMethod.Post, $"{Base}/{id}/decline", "liaison.522722", new { reason = "该人员不在本辖区" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("该人员不在本辖区", declined!["declineReason"]!.GetValue<string>());
        var reply = (await InboxAsync("liaison.522701")).Single(n => n!["payload"]!["requestId"]?.GetValue<string>() == id)!;
        Assert.Equal("declined", reply["payload"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_bad_request_names_every_bad_field_and_stores_nothing()
    {
        var before = (await platform.GetAsync($"{Base}?role=sent&limit=500", "analyst.522726"))["items"]!.AsArray().Count;
        var (status, problem) = await SendAsync(HttpMethod.Post, Base, "analyst.522726", new
        {
            assistingAgency = "522726", leadReference = "", question = "", requestedActions = new[] { "torture" }, priority = "asap",
            deadline = platform.Clock.GetUtcNow().AddHours(-1),
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["assistingAgency", "deadline", "leadId", "leadReference", "priority", "question", "requestedActions[0]"],
            problem!["errors"]!.AsObject().Select(e => e.Key).Order().ToArray());
        Assert.Equal(before, (await platform.GetAsync($"{Base}?role=sent&limit=500", "analyst.522726"))["items"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, Base, "officer.522726", Ask("522722"))).Status);
    }

    [Fact]
    public async Task An_overdue_request_escalates_once_to_the_assisting_agencys_prefecture()
    {
        var late = (await CreateAsync("supervisor.522726", Ask("522701", "urgent")))["id"]!.GetValue<string>();
        var answeredInTime = (await CreateAsync("supervisor.522726", Ask("522701", "urgent")))["id"]!.GetValue<string>();
        var neverSent = (await CreateAsync("analyst.522726", Ask("522701", "urgent")))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, $"{Base}/{answeredInTime}/answer", "liaison.522701", new { text = "已核实" })).Status);

        platform.Advance(TimeSpan.FromHours(7));
        await Task.Delay(400);
        Assert.DoesNotContain(await InboxAsync("supervisor.522700"), n => n!["payload"]!["requestId"]?.GetValue<string>() == late);

        platform.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        var escalation = await PlatformClient.EventuallyAsync(async () =>
            (await InboxAsync("supervisor.522700")).FirstOrDefault(n => n!["payload"]!["requestId"]?.GetValue<string>() == late), what: "the escalation");
        Assert.Equal("assistance_overdue", escalation!["type"]!.GetValue<string>());
        Assert.Equal("522700", escalation["payload"]!["escalatedTo"]!.GetValue<string>());
        Assert.Contains(await InboxAsync("liaison.522701"), n => n!["type"]!.GetValue<string>() == "assistance_overdue" && n["payload"]!["requestId"]?.GetValue<string>() == late);

        var request = await platform.GetAsync($"{Base}/{late}", "analyst.522726");
        Assert.True(request["overdue"]!.GetValue<bool>());
        Assert.Equal("522700", request["escalatedTo"]!.GetValue<string>());

        platform.Advance(TimeSpan.FromHours(5));
        await Task.Delay(400);
        var inbox = await InboxAsync("supervisor.522700");
        Assert.Single(inbox, n => n!["payload"]!["requestId"]?.GetValue<string>() == late);
        Assert.DoesNotContain(inbox, n => n!["payload"]!["requestId"]?.GetValue<string>() == answeredInTime);
        // A request still waiting for approval has no running deadline: it never escalates, and B never hears of it.
        Assert.DoesNotContain(inbox, n => n!["payload"]!["requestId"]?.GetValue<string>() == neverSent);
        var waiting = await platform.GetAsync($"{Base}/{neverSent}", "analyst.522726");
        Assert.Equal("pending_approval", waiting["status"]!.GetValue<string>());
        Assert.False(waiting["overdue"]!.GetValue<bool>());
        Assert.Null(waiting["escalatedTo"]);
        await AssertUnseenByAsync(neverSent, "liaison.522701");
    }

    [Fact]
    public async Task A_supervisor_refuses_with_a_reason_and_the_assisting_agency_never_sees_it()
    {
        var id = (await CreateAsync("liaison.522701", Ask("522726", "normal")))["id"]!.GetValue<string>();
        var (missing, problem) = await SendAsync(HttpMethod.Post, $"{Base}/{id}/refuse", "supervisor.522701", new { reason = " " });
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.NotNull(problem!["errors"]!["reason"]);
        Assert.Equal("pending_approval", (await platform.GetAsync($"{Base}/{id}", "liaison.522701"))["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/refuse", "analyst.522701", new { reason = "不必要" })).Status);

        var (status, refused) = await SendAsync(HttpMethod.Post, $"{Base}/{id}/refuse", "supervisor.522701", new { reason = "证据不足，先补充研判" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("refused", refused!["status"]!.GetValue<string>());
        Assert.Equal("证据不足，先补充研判", refused["refusalReason"]!.GetValue<string>());
        Assert.Equal("supervisor.522701", refused["decidedBy"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/approve", "supervisor.522701")).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"{Base}/{id}/refuse", "supervisor.522701", new { reason = "again" })).Status);
        await AssertUnseenByAsync(id, "liaison.522726", "supervisor.522726");
        var audit = await platform.GetAsync("/api/cooperation/v1/audit?actor=supervisor.522701", "auditor");
        Assert.Contains(audit["items"]!.AsArray(), e => e!["target"]!.GetValue<string>() == $"assistance/{id}" && e["action"]!.GetValue<string>() == "refuse");

        // A request the requester withdraws while it waits is closed and never reaches B either.
        var withdrawn = (await CreateAsync("analyst.522701", Ask("522726", "normal")))["id"]!.GetValue<string>();
        Assert.Equal("closed", (await SendAsync(HttpMethod.Post, $"{Base}/{withdrawn}/close", "analyst.522701")).Body!["status"]!.GetValue<string>());
        await AssertUnseenByAsync(withdrawn, "liaison.522726");
    }
}

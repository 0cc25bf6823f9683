using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using JinDu.BuildingBlocks.Auth.LocalIssuer;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Infrastructure;
using JinDu.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>
/// Issue 4: sharing (prefecture by an analyst; partners and group with a supervisor's approval) and requests for
/// access (调阅申请). The demo counties 522722, 522726 and 522701 are all in 黔南州 (5227); an analyst of 南明区
/// (520102, 贵阳市) stands for another prefecture.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class Sharing_a_lead(StandaloneFactory factory)
{
    private readonly PlatformClient _platform = factory.Platform();
    private const string Summary = "线人称其每周三从云南带货";

    private string Sharing(JsonNode lead) => $"{LeadSteps.Leads}/{lead["id"]}/sharing";

    private async Task<HttpStatusCode> ReadAsAsync(string user, JsonNode lead)
    {
        using var response = await _platform.GetAsync($"{LeadSteps.Leads}/{lead["id"]}", user);
        return response.StatusCode;
    }

    /// <summary>An analyst of another prefecture: no demo account, so a token from the standalone issuer.</summary>
    private async Task<HttpResponseMessage> AsOutsiderAsync(string path)
    {
        var token = factory.Services.GetRequiredService<LocalTokenIssuer>().CreateToken("analyst.520102", "南明区研判", "520102", ["analyst"]);
        var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        return await _platform.Http.SendAsync(request);
    }

    private async Task<List<(LeadShared Event, string Body)>> SharedEventsAsync(JsonNode lead)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadsDbContext>();
        var type = typeof(LeadShared).FullName!;
        var bodies = await db.OutboxMessages.AsNoTracking().Where(m => m.Type.StartsWith(type)).Select(m => m.Body).ToListAsync();
        return bodies.Select(b => (Event: JsonSerializer.Deserialize<LeadShared>(b, MessageJson.Options)!, Body: b))
            .Where(e => e.Event.LeadId.ToString() == lead["id"]!.GetValue<string>()).ToList();
    }

    private static void AssertNothingPersonal(string text, string id, string phone)
    {
        Assert.DoesNotContain(id, text);
        Assert.DoesNotContain(phone, text);
        Assert.DoesNotContain("****", text);
        Assert.DoesNotContain(Summary, text);
    }

    private async Task<(JsonNode Lead, string Id, string Phone)> CreateAsync(string analyst = "analyst.522722")
    {
        var id = TestIds.Person("522726");
        var phone = LeadSteps.Phone();
        var lead = await _platform.CreateAsync(analyst, new
        {
            summary = Summary, severity = 4, substances = new[] { "methamphetamine" },
            subjects = new[] { new { kind = "person", value = id }, new { kind = "phone", value = phone } },
        });
        return (lead, id, phone);
    }

    [Fact]
    public async Task An_analyst_shares_at_prefecture_level_and_the_prefectures_counties_see_it_masked()
    {
        var (lead, id, phone) = await CreateAsync();
        Assert.Equal(HttpStatusCode.NotFound, await ReadAsAsync("analyst.522726", lead));

        var shared = await _platform.PostAsync(Sharing(lead), "analyst.522722", new { level = "prefecture" });
        Assert.Equal(HttpStatusCode.OK, shared.StatusCode);

        var seen = await _platform.GetJsonAsync($"{LeadSteps.Leads}/{lead["id"]}", "analyst.522726");
        Assert.Equal(lead["reference"]!.GetValue<string>(), seen["reference"]!.GetValue<string>());
        Assert.Equal("荔波县禁毒办", seen["contact"]!.GetValue<string>());
        Assert.Equal("prefecture", seen["sharingLevel"]!.GetValue<string>());
        Assert.Null(seen["timeline"]);
        Assert.Null(seen["links"]);
        Assert.DoesNotContain(id, seen.ToJsonString());
        Assert.DoesNotContain(phone, seen.ToJsonString());
        Assert.Contains(seen["subjects"]!.AsArray(), s => s!["masked"]!.GetValue<string>() == id[..4] + "**********" + id[^4..]);
        var list = await _platform.GetJsonAsync($"{LeadSteps.Leads}?scope=shared&phone={phone}", "analyst.522726");
        Assert.Single(list["items"]!.AsArray());

        Assert.Equal(HttpStatusCode.OK, await ReadAsAsync("supervisor.522700", lead));

        // Another prefecture sees nothing; the recipient cannot move, share or reveal it.
        using (var outsider = await AsOutsiderAsync($"{LeadSteps.Leads}/{lead["id"]}"))
            Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
        using (var outsiderList = await AsOutsiderAsync($"{LeadSteps.Leads}?scope=shared&phone={phone}"))
        {
            Assert.Equal(HttpStatusCode.OK, outsiderList.StatusCode);
            Assert.Empty(JsonNode.Parse(await outsiderList.Content.ReadAsStringAsync())!["items"]!.AsArray());
        }
        using (var move = await _platform.MoveAsync("analyst.522726", lead, new { status = "triaged" }))
            Assert.Equal(HttpStatusCode.NotFound, move.StatusCode);
        using (var reshare = await _platform.PostAsync(Sharing(lead), "supervisor.522726", new { level = "partners", agencies = new[] { "522701" } }))
            Assert.Equal(HttpStatusCode.NotFound, reshare.StatusCode);
        var reveal = await _platform.GetJsonAsync($"{LeadSteps.Leads}/{lead["id"]}?reveal=true", "supervisor.522726");
        Assert.Null(reveal["revealed"]);

        var evt = Assert.Single(await SharedEventsAsync(lead));
        Assert.Equal("prefecture", evt.Event.Level);
        Assert.Equal("522700", evt.Event.Prefecture);
        Assert.Equal(["person", "phone"], evt.Event.SubjectKinds.Order().ToList());
        AssertNothingPersonal(evt.Body, id, phone);

        var trail = await _platform.GetJsonAsync("/api/leads/v1/audit?limit=100&actor=analyst.522726", "auditor");
        Assert.Contains(trail["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "read_shared" && e["target"]!.GetValue<string>() == $"lead/{lead["id"]}");
    }

    [Fact]
    public async Task Sharing_with_partners_waits_for_a_supervisors_approval()
    {
        var (lead, id, phone) = await CreateAsync();
        using var asked = await _platform.PostAsync(Sharing(lead), "analyst.522722", new { level = "partners", agencies = new[] { "522701" }, handlingCode = "h2" });
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        var request = JsonNode.Parse(await asked.Content.ReadAsStringAsync())!;
        Assert.Equal("pending", request["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, await ReadAsAsync("analyst.522701", lead));
        Assert.Empty(await SharedEventsAsync(lead));

        var approve = $"{Sharing(lead)}/requests/{request["id"]}/approve";
        using (var byAnalyst = await _platform.PostAsync(approve, "analyst.522722", new { }))
            Assert.Equal(HttpStatusCode.Forbidden, byAnalyst.StatusCode);
        using (var byOtherSupervisor = await _platform.PostAsync(approve, "supervisor.522726", new { }))
            Assert.Equal(HttpStatusCode.NotFound, byOtherSupervisor.StatusCode);
        using (var approved = await _platform.PostAsync(approve, "supervisor.522722", new { reason = "贵阳市有同案" }))
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        using (var again = await _platform.PostAsync(approve, "supervisor.522722", new { }))
            await LeadSteps.ExpectProblemAsync(again, HttpStatusCode.Conflict);

        var seen = await _platform.GetJsonAsync($"{LeadSteps.Leads}/{lead["id"]}", "analyst.522701");
        Assert.Equal("partners", seen["sharingLevel"]!.GetValue<string>());
        Assert.Equal("h2", seen["handlingCode"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, await ReadAsAsync("analyst.522726", lead));
        var evt = Assert.Single(await SharedEventsAsync(lead));
        Assert.Equal(["522701"], evt.Event.RecipientAgencies);
        Assert.Equal("h2", evt.Event.HandlingCode);
        AssertNothingPersonal(evt.Body, id, phone);
        var actions = (await _platform.GetLeadAsync("analyst.522722", lead)).Actions().ToList();
        Assert.Contains("sharing_requested", actions);
        Assert.Contains("shared", actions);
    }

    [Fact]
    public async Task A_refused_request_shares_nothing_and_a_supervisor_may_share_with_a_group_directly()
    {
        var (lead, _, _) = await CreateAsync();
        using var asked = await _platform.PostAsync(Sharing(lead), "analyst.522722", new { level = "group", group = "滇黔桂禁毒协作组", agencies = new[] { "522701", "522726" } });
        var request = JsonNode.Parse(await asked.Content.ReadAsStringAsync())!;
        using (var refused = await _platform.PostAsync($"{Sharing(lead)}/requests/{request["id"]}/refuse", "supervisor.522722", new { reason = "尚在初查" }))
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await ReadAsAsync("analyst.522701", lead));
        Assert.Empty(await SharedEventsAsync(lead));
        var requests = await _platform.GetJsonAsync($"{Sharing(lead)}/requests", "analyst.522722");
        Assert.Equal("refused", requests[0]!["status"]!.GetValue<string>());

        using var direct = await _platform.PostAsync(Sharing(lead), "supervisor.522722", new { level = "group", group = "滇黔桂禁毒协作组", agencies = new[] { "522701" } });
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await ReadAsAsync("analyst.522701", lead));

        // Back to internal: the group no longer sees it.
        using var back = await _platform.PostAsync(Sharing(lead), "analyst.522722", new { level = "internal" });
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await ReadAsAsync("analyst.522701", lead));
    }

    [Theory]
    [InlineData("""{}""", "level")]
    [InlineData("""{"level":"world"}""", "level")]
    [InlineData("""{"level":"partners"}""", "agencies")]
    [InlineData("""{"level":"partners","agencies":["999999"]}""", "agencies[0]")]
    [InlineData("""{"level":"partners","agencies":["522722"]}""", "agencies[0]")]
    [InlineData("""{"level":"group","agencies":["522701"]}""", "group")]
    [InlineData("""{"level":"prefecture","agencies":["522701"]}""", "agencies")]
    [InlineData("""{"level":"prefecture","handlingCode":"h3"}""", "handlingConditions")]
    public async Task Bad_sharing_input_is_refused_naming_the_field(string body, string field)
    {
        var (lead, _, _) = await CreateAsync();
        using var response = await _platform.PostAsync(Sharing(lead), "supervisor.522722", body);
        await LeadSteps.ExpectProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Equal("internal", (await _platform.GetLeadAsync("analyst.522722", lead))["sharingLevel"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_county_with_a_pointer_asks_for_access_and_the_owner_grants_it_for_a_while()
    {
        var (ours, id, phone) = await CreateAsync("analyst.522722");
        // 522726 gets a pointer through correlation: its own lead on the same person.
        var theirs = await _platform.CreateAsync("analyst.522726", LeadSteps.LeadOf(("person", id)));
        Assert.Single(theirs["links"]!.AsArray());
        var reference = ours["reference"]!.GetValue<string>();

        // 522701 holds no pointer: the lead does not exist for it.
        using (var stranger = await _platform.PostAsync("/api/leads/v1/access-requests", "analyst.522701", new { reference, reason = "想看看" }))
            await LeadSteps.ExpectProblemAsync(stranger, HttpStatusCode.NotFound);
        using (var noReason = await _platform.PostAsync("/api/leads/v1/access-requests", "analyst.522726", new { reference }))
            await LeadSteps.ExpectProblemAsync(noReason, HttpStatusCode.BadRequest, "reason");

        using var asked = await _platform.PostAsync("/api/leads/v1/access-requests", "analyst.522726", new { reference, reason = "我县同一嫌疑人正在侦查" });
        Assert.Equal(HttpStatusCode.Created, asked.StatusCode);
        var request = JsonNode.Parse(await asked.Content.ReadAsStringAsync())!;
        using (var twice = await _platform.PostAsync("/api/leads/v1/access-requests", "analyst.522726", new { reference, reason = "again" }))
            await LeadSteps.ExpectProblemAsync(twice, HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.NotFound, await ReadAsAsync("analyst.522726", ours));

        var incoming = await _platform.GetJsonAsync("/api/leads/v1/access-requests", "analyst.522722");
        Assert.Contains(incoming.AsArray(), r => r!["id"]!.GetValue<string>() == request["id"]!.GetValue<string>());
        var grant = $"/api/leads/v1/access-requests/{request["id"]}/grant";
        using (var forever = await _platform.PostAsync(grant, "analyst.522722", new { expiresAt = DateTimeOffset.UtcNow.AddDays(400) }))
            await LeadSteps.ExpectProblemAsync(forever, HttpStatusCode.BadRequest, "expiresAt");
        using (var byRequester = await _platform.PostAsync(grant, "analyst.522726", new { expiresAt = DateTimeOffset.UtcNow.AddDays(1) }))
            await LeadSteps.ExpectProblemAsync(byRequester, HttpStatusCode.NotFound);
        using (var granted = await _platform.PostAsync(grant, "supervisor.522722", new { expiresAt = DateTimeOffset.UtcNow.AddSeconds(3) }))
            Assert.Equal(HttpStatusCode.OK, granted.StatusCode);

        var outgoing = await _platform.GetJsonAsync("/api/leads/v1/access-requests?direction=outgoing", "analyst.522726");
        var mine = outgoing.AsArray().First(r => r!["id"]!.GetValue<string>() == request["id"]!.GetValue<string>())!;
        Assert.Equal("granted", mine["status"]!.GetValue<string>());
        Assert.Equal(ours["id"]!.GetValue<string>(), mine["leadId"]!.GetValue<string>());
        var seen = await _platform.GetJsonAsync($"{LeadSteps.Leads}/{ours["id"]}", "analyst.522726");
        Assert.DoesNotContain(phone, seen.ToJsonString());
        var evt = Assert.Single(await SharedEventsAsync(ours));
        Assert.Equal("grant", evt.Event.Level);
        Assert.Equal(["522726"], evt.Event.RecipientAgencies);
        AssertNothingPersonal(evt.Body, id, phone);

        // The grant expires.
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        Assert.Equal(HttpStatusCode.NotFound, await ReadAsAsync("analyst.522726", ours));

        var trail = (await _platform.GetJsonAsync("/api/leads/v1/audit?limit=200", "auditor"))["items"]!.AsArray();
        Assert.Contains(trail, e => e!["action"]!.GetValue<string>() == "request_access" && e["actor"]!.GetValue<string>() == "analyst.522726");
        Assert.Contains(trail, e => e!["action"]!.GetValue<string>() == "grant_access" && e["actor"]!.GetValue<string>() == "supervisor.522722");
        Assert.Contains(trail, e => e!["action"]!.GetValue<string>() == "request_access" && e["outcome"]!.GetValue<string>() == "not_found");
    }

    [Fact]
    public async Task The_owner_may_refuse_a_request_for_access_with_a_reason()
    {
        var (ours, id, _) = await CreateAsync("analyst.522722");
        await _platform.CreateAsync("analyst.522726", LeadSteps.LeadOf(("person", id)));
        using var asked = await _platform.PostAsync("/api/leads/v1/access-requests", "supervisor.522726", new { reference = ours["reference"]!.GetValue<string>(), reason = "协查" });
        var request = JsonNode.Parse(await asked.Content.ReadAsStringAsync())!;
        var refuse = $"/api/leads/v1/access-requests/{request["id"]}/refuse";
        using (var silent = await _platform.PostAsync(refuse, "analyst.522722", new { }))
            await LeadSteps.ExpectProblemAsync(silent, HttpStatusCode.BadRequest, "reason");
        using (var refused = await _platform.PostAsync(refuse, "analyst.522722", new { reason = "涉密，请电话联系" }))
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await ReadAsAsync("analyst.522726", ours));
        var outgoing = await _platform.GetJsonAsync("/api/leads/v1/access-requests?direction=outgoing", "analyst.522726");
        var mine = outgoing.AsArray().First(r => r!["id"]!.GetValue<string>() == request["id"]!.GetValue<string>())!;
        Assert.Equal("refused", mine["status"]!.GetValue<string>());
        Assert.Equal("涉密，请电话联系", mine["answer"]!.GetValue<string>());
        Assert.Null(mine["leadId"]);
        Assert.Contains("access_refused", (await _platform.GetLeadAsync("analyst.522722", ours)).Actions());
    }
}

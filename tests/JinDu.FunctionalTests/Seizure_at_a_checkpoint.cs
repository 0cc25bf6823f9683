using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>The first real flow (issue 2, point 2) in the standalone mode.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class Seizure_at_a_checkpoint(StandaloneFactory factory)
{
    private readonly PlatformClient _platform = factory.Platform();

    private async Task<JsonNode> PostSeizureAsync(string idNumber)
    {
        using var response = await _platform.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(idNumber));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        Assert.Equal($"/api/screening/v1/inspections/{JsonNode.Parse(body)!["id"]}", response.Headers.Location?.ToString());
        return JsonNode.Parse(body)!;
    }

    [Fact]
    public async Task Becomes_a_lead_of_the_flagging_county_and_a_notice_to_the_household_county()
    {
        var id = TestIds.Person("522726");
        var inspection = await PostSeizureAsync(id);
        Assert.True(inspection["flagged"]!.GetValue<bool>());
        Assert.Equal("seizure", inspection["result"]!.GetValue<string>());
        var inspectionId = inspection["id"]!.GetValue<string>();

        var lead = await PlatformClient.EventuallyAsync(async () =>
        {
            var page = await _platform.GetJsonAsync($"/api/leads/v1/leads?sourceId={inspectionId}", "analyst.522722");
            return page["items"]!.AsArray().FirstOrDefault();
        }, what: "the lead in 522722");
        Assert.Equal("522722", lead!["ownerAgency"]!.GetValue<string>());
        Assert.Equal("checkpoint", lead["source"]!.GetValue<string>());
        Assert.Equal("new", lead["status"]!.GetValue<string>());
        Assert.Contains("methamphetamine", lead["substances"]!.AsArray().Select(s => s!.GetValue<string>()));

        var notice = await PlatformClient.EventuallyAsync(async () =>
        {
            var inbox = await _platform.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "liaison.522726");
            return inbox["items"]!.AsArray().FirstOrDefault(n => n!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId);
        }, what: "the household notice in 522726");
        Assert.Equal("household_county", notice!["type"]!.GetValue<string>());
        Assert.Equal("522722", notice["payload"]!["flaggingAgency"]!.GetValue<string>());
        Assert.Equal("county", notice["payload"]!["routedLevel"]!.GetValue<string>());

        // Personal data travels masked: the full ID number appears nowhere in what the partner received.
        Assert.DoesNotContain(id, notice.ToJsonString());
        Assert.Equal(id[..4] + "**********" + id[^4..], notice["payload"]!["subjectMasked"]!.GetValue<string>());
        Assert.DoesNotContain(id, lead.ToJsonString());

        // Another county sees neither the lead nor a notice.
        var leadId = lead["id"]!.GetValue<string>();
        using var foreign = await _platform.GetAsync($"/api/leads/v1/leads/{leadId}", "analyst.522701");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        using var own = await _platform.GetAsync($"/api/leads/v1/leads/{leadId}", "analyst.522722");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        var foreignInbox = await _platform.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "liaison.522701");
        Assert.DoesNotContain(foreignInbox["items"]!.AsArray(), n => n!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId);
        var foreignLeads = await _platform.GetJsonAsync($"/api/leads/v1/leads?sourceId={inspectionId}", "analyst.522701");
        Assert.Empty(foreignLeads["items"]!.AsArray());
    }

    [Fact]
    public async Task Of_a_local_resident_notifies_no_other_county()
    {
        var inspection = await PostSeizureAsync(TestIds.Person("522722"));
        var inspectionId = inspection["id"]!.GetValue<string>();
        await PlatformClient.EventuallyAsync(async () =>
            (await _platform.GetJsonAsync($"/api/leads/v1/leads?sourceId={inspectionId}", "analyst.522722"))["items"]!.AsArray().FirstOrDefault(),
            what: "the lead");
        foreach (var liaison in new[] { "liaison.522722", "liaison.522726", "liaison.522701" })
        {
            var inbox = await _platform.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", liaison);
            Assert.DoesNotContain(inbox["items"]!.AsArray(), n => n!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId);
        }
    }

    [Fact]
    public async Task Of_a_person_from_a_retired_county_code_notifies_the_prefecture()
    {
        // 522724 is not in the 2023 division list; its prefecture 5227 (黔南州) is.
        var inspection = await PostSeizureAsync(TestIds.Person("522724"));
        var inspectionId = inspection["id"]!.GetValue<string>();
        var notice = await PlatformClient.EventuallyAsync(async () =>
            (await _platform.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "supervisor.522700"))["items"]!.AsArray()
                .FirstOrDefault(n => n!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId),
            what: "the notice to the prefecture");
        Assert.Equal("prefecture", notice!["payload"]!["routedLevel"]!.GetValue<string>());
        Assert.Equal("522700", notice["payload"]!["routedTo"]!.GetValue<string>());
    }

    [Fact]
    public async Task Joins_the_open_lead_that_already_has_the_person()
    {
        var id = TestIds.Person("522726");
        var first = (await PostSeizureAsync(id))["id"]!.GetValue<string>();
        var lead = await PlatformClient.EventuallyAsync(async () =>
            (await _platform.GetJsonAsync($"/api/leads/v1/leads?sourceId={first}", "analyst.522722"))["items"]!.AsArray().FirstOrDefault(),
            what: "the first lead");
        await PostSeizureAsync(id);
        var leadId = lead!["id"]!.GetValue<string>();
        var detail = await PlatformClient.EventuallyAsync(async () =>
        {
            var l = await _platform.GetJsonAsync($"/api/leads/v1/leads/{leadId}", "analyst.522722");
            return l["timeline"]!.AsArray().Count == 2 ? l : null;
        }, what: "the second flag on the same lead's timeline");
        Assert.Equal("flag_joined", detail!["timeline"]!.AsArray()[1]!["action"]!.GetValue<string>());
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Infrastructure;
using JinDu.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>
/// Issue 4: 串并 and 冲突提示 — leads of two counties (or two of one) on the same subject are linked and both
/// owners are told, with a pointer and nothing more.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class Correlation_across_counties(StandaloneFactory factory)
{
    private readonly PlatformClient _platform = factory.Platform();

    private async Task<List<(LeadsCorrelated Notice, string Body)>> NoticesForAsync(string leadId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadsDbContext>();
        var type = typeof(LeadsCorrelated).FullName!;
        var rows = await db.OutboxMessages.AsNoTracking().Where(m => m.Type.StartsWith(type)).Select(m => m.Body).ToListAsync();
        return rows.Select(b => (Notice: JsonSerializer.Deserialize<LeadsCorrelated>(b, JinDu.BuildingBlocks.Messaging.MessageJson.Options)!, Body: b))
            .Where(n => n.Notice.RecipientLeadId.ToString() == leadId).ToList();
    }

    [Fact]
    public async Task Links_leads_of_two_counties_on_the_same_person_and_tells_both_owners_with_a_pointer_only()
    {
        var id = TestIds.Person("522726");
        var phone = LeadSteps.Phone();
        var ours = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(5, ["heroin"], ("person", id), ("phone", phone)));
        var theirs = await _platform.CreateAsync("analyst.522726", new
        {
            summary = "线人称此人每周从云南带货，住址在独山县城关镇",
            severity = 4,
            substances = new[] { "methamphetamine" },
            subjects = new[] { new { kind = "person", value = id }, new { kind = "address", value = "独山县城关镇某巷7号" } },
        });

        // Each lead shows the other as a pointer: reference, agency, contact, the kind of subject shared.
        var link = Assert.Single(theirs["links"]!.AsArray())!;
        Assert.Equal(ours["reference"]!.GetValue<string>(), link["reference"]!.GetValue<string>());
        Assert.Equal("522722", link["agency"]!.GetValue<string>());
        Assert.Equal("荔波县禁毒办", link["contact"]!.GetValue<string>());
        Assert.Equal("person", link["subjectKind"]!.GetValue<string>());
        var back = Assert.Single((await _platform.GetLeadAsync("analyst.522722", ours))["links"]!.AsArray())!;
        Assert.Equal(theirs["reference"]!.GetValue<string>(), back["reference"]!.GetValue<string>());
        Assert.Equal("522726", back["agency"]!.GetValue<string>());
        Assert.Contains("correlated", (await _platform.GetLeadAsync("analyst.522722", ours)).Actions());

        // The pointer opens nothing: the other lead is still 404 for the partner.
        using var peek = await _platform.GetAsync($"{LeadSteps.Leads}/{ours["id"]}", "analyst.522726");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, peek.StatusCode);

        var toUs = Assert.Single(await NoticesForAsync(ours["id"]!.GetValue<string>()));
        var toThem = Assert.Single(await NoticesForAsync(theirs["id"]!.GetValue<string>()));
        Assert.Equal("522722", toUs.Notice.RecipientAgency);
        Assert.Equal("522726", toUs.Notice.OtherAgency);
        Assert.Equal("独山县禁毒办", toUs.Notice.Contact);
        Assert.Equal(theirs["reference"]!.GetValue<string>(), toUs.Notice.OtherLeadReference);
        Assert.Equal("522726", toThem.Notice.RecipientAgency);
        Assert.Equal("522722", toThem.Notice.OtherAgency);
        Assert.Equal("person", toThem.Notice.SubjectKind);

        // No subject value, mask or token, and nothing of the other lead's contents (summary, substances, severity, phone).
        var protector = factory.Services.GetRequiredService<JinDu.BuildingBlocks.Privacy.PersonalDataProtector>();
        foreach (var body in new[] { toUs.Body, toThem.Body })
        {
            Assert.DoesNotContain(id, body);
            Assert.DoesNotContain(id[..4] + "**********" + id[^4..], body);
            Assert.DoesNotContain(phone, body);
            Assert.DoesNotContain("****", body);
            Assert.DoesNotContain(protector.Token(JinDu.Contracts.SubjectKind.Person, id), body);
            Assert.DoesNotContain("heroin", body);
            Assert.DoesNotContain("methamphetamine", body);
            Assert.DoesNotContain("云南", body);
            Assert.DoesNotContain("独山县城关镇", body);
            Assert.DoesNotContain("\"severity\"", body, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Links_two_leads_of_one_county_on_the_same_phone()
    {
        var phone = LeadSteps.Phone();
        var first = await _platform.CreateAsync("analyst.522701", LeadSteps.LeadOf(("phone", phone)));
        var second = await _platform.CreateAsync("analyst.522701", LeadSteps.LeadOf(("phone", phone)));
        Assert.Equal(first["id"]!.GetValue<string>(), Assert.Single(second["links"]!.AsArray())!["leadId"]!.GetValue<string>());
        Assert.Single(await NoticesForAsync(first["id"]!.GetValue<string>()));
        Assert.Single(await NoticesForAsync(second["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Does_not_link_to_a_closed_lead()
    {
        var phone = LeadSteps.Phone();
        var old = await _platform.CreateAsync("analyst.522726", LeadSteps.LeadOf(("phone", phone)));
        await _platform.MovedAsync("analyst.522726", old, new { status = "closed", reason = "unfounded" });
        var fresh = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", phone)));
        Assert.Empty(fresh["links"]!.AsArray());
        Assert.Empty(await NoticesForAsync(fresh["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_checkpoint_hit_on_another_countys_lead_gives_its_owner_an_urgent_confirmation_task()
    {
        var id = TestIds.Person("522722");
        var theirs = await _platform.CreateAsync("analyst.522726", LeadSteps.LeadOf(("person", id)));
        using var posted = await _platform.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(id));
        var inspectionId = JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        var task = await PlatformClient.EventuallyAsync(async () =>
            (await _platform.GetJsonAsync("/api/leads/v1/hit-tasks?status=open", "analyst.522726"))["items"]!.AsArray()
                .FirstOrDefault(t => t!["leadId"]!.GetValue<string>() == theirs["id"]!.GetValue<string>()), what: "the hit-confirmation task");
        Assert.Equal("urgent", task!["urgency"]!.GetValue<string>());
        Assert.Equal("522722", task["hitAgency"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromMinutes(10), task["dueAt"]!.GetValue<DateTimeOffset>() - task["createdAt"]!.GetValue<DateTimeOffset>());
        Assert.DoesNotContain(id, task.ToJsonString());

        // The flagging county's new lead and the owner's lead are linked; the flagging county has no task of its own.
        var flagLead = await PlatformClient.EventuallyAsync(async () =>
            (await _platform.GetJsonAsync($"{LeadSteps.Leads}?sourceId={inspectionId}", "analyst.522722"))["items"]!.AsArray().FirstOrDefault(), what: "the flag's lead");
        var detail = await _platform.GetLeadAsync("analyst.522722", flagLead!);
        Assert.Contains(detail["links"]!.AsArray(), l => l!["reference"]!.GetValue<string>() == theirs["reference"]!.GetValue<string>());
        var ownTasks = await _platform.GetJsonAsync("/api/leads/v1/hit-tasks", "analyst.522722");
        Assert.DoesNotContain(ownTasks["items"]!.AsArray(), t => t!["leadId"]!.GetValue<string>() == flagLead!["id"]!.GetValue<string>());

        var answered = await _platform.PostAsync($"/api/leads/v1/hit-tasks/{task["id"]}/answer", "analyst.522726", new { outcome = "confirmed", note = "是本案嫌疑人" });
        Assert.Equal(System.Net.HttpStatusCode.OK, answered.StatusCode);
        Assert.Contains("hit_confirmed", (await _platform.GetLeadAsync("analyst.522726", theirs)).Actions());
        using var twice = await _platform.PostAsync($"/api/leads/v1/hit-tasks/{task["id"]}/answer", "analyst.522726", new { outcome = "denied" });
        await LeadSteps.ExpectProblemAsync(twice, System.Net.HttpStatusCode.Conflict);
        using var foreign = await _platform.PostAsync($"/api/leads/v1/hit-tasks/{task["id"]}/answer", "analyst.522722", new { outcome = "denied" });
        await LeadSteps.ExpectProblemAsync(foreign, System.Net.HttpStatusCode.NotFound);
    }
}

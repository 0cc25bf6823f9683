using System.Net;
using System.Text.Json.Nodes;
using JinDu.Screening.Infrastructure;
using JinDu.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>Who saw or changed what: recorded with the change, sealed into a hash chain, verifiable, readable by auditors only.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class Audit_trail(StandaloneFactory factory)
{
    private readonly PlatformClient _platform = factory.Platform();

    private async Task<string> PostAsync(string idNumber)
    {
        using var posted = await _platform.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(idNumber));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        return JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
    }

    internal static Task<JsonNode> EntryAsync(PlatformClient platform, string action, string target, string? actor = null) =>
        PlatformClient.EventuallyAsync(async () =>
        {
            var page = await platform.GetJsonAsync("/api/screening/v1/audit?limit=500" + (actor is null ? "" : "&actor=" + actor), "auditor");
            return page["items"]!.AsArray().FirstOrDefault(e => e!["action"]!.GetValue<string>() == action
                && e["target"]!.GetValue<string>() == target && e["hash"] is not null);
        }, TimeSpan.FromSeconds(20), $"a sealed {action} entry for {target}");

    [Fact]
    public async Task Records_who_created_an_inspection_and_seals_it_into_a_verifiable_chain()
    {
        var id = await PostAsync(TestIds.Person("522726"));
        var entry = await EntryAsync(_platform, "create", $"inspection/{id}");
        Assert.Equal("officer.522722", entry["actor"]!.GetValue<string>());
        Assert.Equal("522722", entry["actorAgency"]!.GetValue<string>());
        Assert.Equal(64, entry["hash"]!.GetValue<string>().Length);

        var verification = await _platform.GetJsonAsync("/api/screening/v1/audit/verify", "auditor");
        Assert.True(verification["intact"]!.GetValue<bool>(), verification.ToJsonString());
        Assert.True(verification["sealed"]!.GetValue<long>() > 0);

        // Reading the trail is itself on the trail.
        await EntryAsync(_platform, "read_audit_trail", "audit/screening", actor: "auditor");
    }

    [Fact]
    public async Task Shows_a_supervisor_the_identifiers_in_full_only_on_request_and_records_it()
    {
        var person = TestIds.Person("522726");
        var id = await PostAsync(person);
        var masked = await _platform.GetJsonAsync($"/api/screening/v1/inspections/{id}", "supervisor.522722");
        Assert.DoesNotContain(person, masked.ToJsonString());

        var revealed = await _platform.GetJsonAsync($"/api/screening/v1/inspections/{id}?reveal=true", "supervisor.522722");
        var subject = Assert.Single(revealed["revealed"]!.AsArray());
        Assert.Equal(person, subject!["value"]!.GetValue<string>());
        Assert.Equal("测试人", subject["name"]!.GetValue<string>());
        var read = await EntryAsync(_platform, "read_personal_data", $"inspection/{id}", actor: "supervisor.522722");
        Assert.Equal("success", read["outcome"]!.GetValue<string>());
        Assert.DoesNotContain(person, read.ToJsonString());

        // An analyst may not, and the attempt is recorded too; another county does not even find it.
        using var analyst = await _platform.GetAsync($"/api/screening/v1/inspections/{id}?reveal=true", "analyst.522722");
        Assert.Equal(HttpStatusCode.Forbidden, analyst.StatusCode);
        var denied = await EntryAsync(_platform, "read_personal_data", $"inspection/{id}", actor: "analyst.522722");
        Assert.Equal("denied", denied["outcome"]!.GetValue<string>());
        using var foreign = await _platform.GetAsync($"/api/screening/v1/inspections/{id}?reveal=true", "supervisor.522701");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task Is_for_auditors_who_in_turn_cannot_read_leads_or_inspections()
    {
        using var officer = await _platform.GetAsync("/api/screening/v1/audit", "officer.522722");
        Assert.Equal(HttpStatusCode.Forbidden, officer.StatusCode);
        using var leads = await _platform.GetAsync("/api/leads/v1/leads", "auditor");
        Assert.Equal(HttpStatusCode.Forbidden, leads.StatusCode);
        using var inspections = await _platform.GetAsync("/api/screening/v1/inspections", "auditor");
        Assert.Equal(HttpStatusCode.Forbidden, inspections.StatusCode);
        foreach (var service in new[] { "leads", "cooperation" })
        {
            var verification = await _platform.GetJsonAsync($"/api/{service}/v1/audit/verify", "auditor");
            Assert.True(verification["intact"]!.GetValue<bool>());
        }
    }
}

/// <summary>Tampering shows: on a platform of its own, so the shared one's chain stays whole.</summary>
public sealed class Audit_trail_tampering : IAsyncLifetime
{
    private readonly StandaloneFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Is_detected_when_a_sealed_entry_is_changed_or_removed()
    {
        var platform = _factory.Platform();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var posted = await platform.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(TestIds.Person("522726")));
            ids.Add(JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
        }
        var middle = await Audit_trail.EntryAsync(platform, "create", $"inspection/{ids[1]}");
        await Audit_trail.EntryAsync(platform, "create", $"inspection/{ids[2]}");
        Assert.True((await platform.GetJsonAsync("/api/screening/v1/audit/verify", "auditor"))["intact"]!.GetValue<bool>());

        var middleId = middle["id"]!.GetValue<long>();
        using (var scope = _factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ScreeningDbContext>();
            await db.AuditEntries.Where(e => e.Id == middleId).ExecuteUpdateAsync(u => u.SetProperty(e => e.Actor, "someone.else"));
        }
        var changed = await platform.GetJsonAsync("/api/screening/v1/audit/verify", "auditor");
        Assert.False(changed["intact"]!.GetValue<bool>());
        Assert.Equal(middleId, changed["firstBrokenId"]!.GetValue<long>());

        using (var scope = _factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ScreeningDbContext>();
            await db.AuditEntries.Where(e => e.Id == middleId).ExecuteDeleteAsync();
        }
        var removed = await platform.GetJsonAsync("/api/screening/v1/audit/verify", "auditor");
        Assert.False(removed["intact"]!.GetValue<bool>());
        Assert.Contains("removed or replaced", removed["problem"]!.GetValue<string>());
    }
}

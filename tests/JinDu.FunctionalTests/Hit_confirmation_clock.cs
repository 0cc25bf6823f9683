using System.Text.Json;
using System.Text.Json.Nodes;
using JinDu.BuildingBlocks.Messaging;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Correlation;
using JinDu.Leads.Infrastructure;
using JinDu.Screening.Contracts.Events;
using JinDu.Testing;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace JinDu.FunctionalTests;

/// <summary>
/// Issue 4: 比中核实 — the owner of a lead hit elsewhere must answer within 10 minutes (urgent) or an hour
/// (routine); the platform's clock decides, and an unanswered task escalates once. The leads clock is a fake here.
/// </summary>
public sealed class Hit_confirmation_clock : IClassFixture<StandaloneFactory>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly WebApplicationFactory<JinDu.Standalone.StandaloneEntryPoint> _host;
    private readonly PlatformClient _platform;

    public Hit_confirmation_clock(StandaloneFactory factory)
    {
        _host = factory.WithWebHostBuilder(b =>
        {
            b.UseSetting("Leads:HitTasks:CheckEvery", "00:00:00.2");
            b.ConfigureTestServices(s => s.AddSingleton(new LeadsClock(_clock)));
        });
        _platform = new PlatformClient(_host.CreateClient());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<JsonNode> TaskOnAsync(JsonNode lead, string owner) =>
        (await PlatformClient.EventuallyAsync(async () =>
            (await _platform.GetJsonAsync("/api/leads/v1/hit-tasks", owner))["items"]!.AsArray()
                .FirstOrDefault(t => t!["leadId"]!.GetValue<string>() == lead["id"]!.GetValue<string>()), what: "the hit-confirmation task"))!;

    private async Task<JsonNode> TaskAsync(string owner, string taskId) =>
        (await _platform.GetJsonAsync("/api/leads/v1/hit-tasks", owner))["items"]!.AsArray().First(t => t!["id"]!.GetValue<string>() == taskId)!;

    private async Task<List<HitConfirmationOverdue>> EscalationsAsync(string taskId)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadsDbContext>();
        var type = typeof(HitConfirmationOverdue).FullName!;
        var bodies = await db.OutboxMessages.AsNoTracking().Where(m => m.Type.StartsWith(type)).Select(m => m.Body).ToListAsync();
        return bodies.Select(b => JsonSerializer.Deserialize<HitConfirmationOverdue>(b, MessageJson.Options)!)
            .Where(e => e.TaskId.ToString() == taskId).ToList();
    }

    private Task<int> CheckNowAsync() => _host.Services.GetRequiredService<HitTaskEscalator>().EscalateOverdueAsync(CancellationToken.None);

    [Fact]
    public async Task An_unanswered_checkpoint_hit_escalates_to_the_prefecture_after_ten_minutes_once()
    {
        var id = TestIds.Person("522722");
        var lead = await _platform.CreateAsync("analyst.522726", LeadSteps.LeadOf(("person", id)));
        using var posted = await _platform.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(id));
        var task = await TaskOnAsync(lead, "analyst.522726");
        var taskId = task["id"]!.GetValue<string>();
        Assert.Equal("urgent", task["urgency"]!.GetValue<string>());

        _clock.Advance(TimeSpan.FromMinutes(9));
        await CheckNowAsync();
        Assert.False((await TaskAsync("analyst.522726", taskId))["overdue"]!.GetValue<bool>());
        Assert.Empty(await EscalationsAsync(taskId));

        _clock.Advance(TimeSpan.FromMinutes(2));
        // The platform's own check (every 0.2 s here) notices; nobody has to ask.
        var escalated = await PlatformClient.EventuallyAsync(async () =>
        {
            var t = await TaskAsync("analyst.522726", taskId);
            return t["escalatedAt"] is null ? null : t;
        }, what: "the escalation");
        Assert.True(escalated["overdue"]!.GetValue<bool>());
        Assert.Equal("open", escalated["status"]!.GetValue<string>());
        var evt = Assert.Single(await EscalationsAsync(taskId));
        Assert.Equal("522700", evt.EscalateTo);
        Assert.Equal("522726", evt.OwnerAgency);
        Assert.Equal("522722", evt.HitAgency);
        Assert.Equal(lead["reference"]!.GetValue<string>(), evt.LeadReference);
        Assert.Contains("hit_confirmation_overdue", (await _platform.GetLeadAsync("analyst.522726", lead)).Actions());

        _clock.Advance(TimeSpan.FromMinutes(30));
        await CheckNowAsync();
        Assert.Single(await EscalationsAsync(taskId));
    }

    [Fact]
    public async Task A_hit_answered_in_time_does_not_escalate()
    {
        var id = TestIds.Person("522722");
        var lead = await _platform.CreateAsync("analyst.522726", LeadSteps.LeadOf(("person", id)));
        using var posted = await _platform.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(id));
        var task = await TaskOnAsync(lead, "analyst.522726");
        _clock.Advance(TimeSpan.FromMinutes(5));
        using var answered = await _platform.PostAsync($"/api/leads/v1/hit-tasks/{task["id"]}/answer", "supervisor.522726", new { outcome = "denied", note = "同名不同人" });
        Assert.Equal(System.Net.HttpStatusCode.OK, answered.StatusCode);

        _clock.Advance(TimeSpan.FromHours(2));
        await CheckNowAsync();
        var after = await TaskAsync("analyst.522726", task["id"]!.GetValue<string>());
        Assert.Equal("denied", after["status"]!.GetValue<string>());
        Assert.False(after["overdue"]!.GetValue<bool>());
        Assert.Null(after["escalatedAt"]);
        Assert.Empty(await EscalationsAsync(task["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_parcel_hit_is_routine_with_an_hour_and_a_redelivered_flag_has_one_effect()
    {
        var phone = LeadSteps.Phone();
        var lead = await _platform.CreateAsync("analyst.522726", LeadSteps.LeadOf(("phone", phone)));
        var token = _host.Services.GetRequiredService<PersonalDataProtector>().Token(SubjectKind.Phone, phone);
        var flag = new ParcelFlagged
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            ProducerAgency = "522722",
            Company = "SF",
            WaybillMasked = "SF********4321",
            WaybillToken = "wb-" + Guid.NewGuid().ToString("N"),
            OutletCode = "SF-LB-01",
            OutletRegion = "522722",
            AcceptedAt = DateTimeOffset.UtcNow,
            Reason = "xray_suspicious",
            Referral = "inspect",
            Subjects = [new FlaggedSubject(SubjectKind.Phone, token, phone[..3] + "****" + phone[^4..], null)],
            MatchedLeads = [],
        };
        var bus = _host.Services.GetRequiredService<IBus>();
        await bus.Publish(flag);
        await bus.Publish(flag);

        var task = await TaskOnAsync(lead, "analyst.522726");
        Assert.Equal("routine", task["urgency"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromHours(1), task["dueAt"]!.GetValue<DateTimeOffset>() - task["createdAt"]!.GetValue<DateTimeOffset>());
        Assert.DoesNotContain(phone, task.ToJsonString());

        // The courier lead of the outlet's county exists once, however often the flag came.
        var courierLeads = await PlatformClient.EventuallyAsync(async () =>
        {
            var page = await _platform.GetJsonAsync($"{LeadSteps.Leads}?phone={phone}&source=courier", "analyst.522722");
            return page["items"]!.AsArray().Count > 0 ? page["items"]!.AsArray() : null;
        }, what: "the courier lead");
        await Task.Delay(500);
        Assert.Single((await _platform.GetJsonAsync($"{LeadSteps.Leads}?phone={phone}&source=courier", "analyst.522722"))["items"]!.AsArray());
        Assert.Single((await _platform.GetJsonAsync("/api/leads/v1/hit-tasks", "analyst.522726"))["items"]!.AsArray(),
            t => t!["leadId"]!.GetValue<string>() == lead["id"]!.GetValue<string>());
        Assert.Single(courierLeads);

        _clock.Advance(TimeSpan.FromMinutes(59));
        await CheckNowAsync();
        Assert.Empty(await EscalationsAsync(task["id"]!.GetValue<string>()));
        _clock.Advance(TimeSpan.FromMinutes(2));
        await CheckNowAsync();
        Assert.Equal("routine", Assert.Single(await EscalationsAsync(task["id"]!.GetValue<string>())).Urgency);
    }

    private async Task<JsonNode?> NoticeAsync(string liaison, string type, string taskId) =>
        (await _platform.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", liaison))["items"]!.AsArray()
            .FirstOrDefault(n => n!["type"]!.GetValue<string>() == type && n["payload"]!["taskId"]?.GetValue<string>() == taskId);

    /// <summary>
    /// Issue 5: 比中核实 reaches partners through their channels, not only Leads' task list: the owner gets a
    /// hit_confirmation notice (its lead, who hit it, whom to call, the clock), the prefecture a hit_confirmation_overdue one.
    /// </summary>
    [Fact]
    public async Task The_owner_is_told_of_a_hit_with_its_clock_and_the_prefecture_when_nobody_answered()
    {
        var id = TestIds.Person("522722");
        var lead = await _platform.CreateAsync("analyst.522726", LeadSteps.LeadOf(("person", id)));
        using var posted = await _platform.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(id));
        var task = await PlatformClient.EventuallyAsync(async () =>
            (await _platform.GetJsonAsync("/api/leads/v1/hit-tasks", "analyst.522726"))["items"]!.AsArray()
                .FirstOrDefault(t => t!["leadId"]!.GetValue<string>() == lead["id"]!.GetValue<string>()), what: "the hit-confirmation task");
        var taskId = task!["id"]!.GetValue<string>();

        var notice = await PlatformClient.EventuallyAsync(() => NoticeAsync("liaison.522726", "hit_confirmation", taskId), what: "the owner's notice");
        var payload = notice!["payload"]!;
        Assert.Equal(lead["reference"]!.GetValue<string>(), payload["leadReference"]!.GetValue<string>());
        Assert.Equal(lead["id"]!.GetValue<string>(), payload["leadId"]!.GetValue<string>());
        Assert.Equal("522722", payload["hitAgency"]!.GetValue<string>());
        Assert.Equal("checkpoint", payload["hitSource"]!.GetValue<string>());
        Assert.Equal("urgent", payload["urgency"]!.GetValue<string>());
        // The task's clock as the task list shows it (stored to the millisecond).
        Assert.True((task["dueAt"]!.GetValue<DateTimeOffset>() - payload["dueAt"]!.GetValue<DateTimeOffset>()).Duration() < TimeSpan.FromMilliseconds(1));
        Assert.Contains("荔波县", payload["contact"]!.GetValue<string>());
        var text = notice.ToJsonString();
        Assert.DoesNotContain(id, text);
        Leaks.AssertNoTail(text, id);
        // The hit's own record (checkpoint, result, seizures) stays with 荔波县: a pointer only.
        Assert.DoesNotContain("seizure", text);
        Assert.Null(await NoticeAsync("supervisor.522700", "hit_confirmation_overdue", taskId));

        _clock.Advance(TimeSpan.FromMinutes(11));
        var overdue = await PlatformClient.EventuallyAsync(() => NoticeAsync("supervisor.522700", "hit_confirmation_overdue", taskId), what: "the prefecture's notice");
        Assert.True(overdue!["payload"]!["overdue"]!.GetValue<bool>());
        Assert.Equal("522726", overdue["payload"]!["ownerAgency"]!.GetValue<string>());
        Assert.DoesNotContain(id, overdue.ToJsonString());
        // Nobody else hears of it: not the hitting county, not another county of the prefecture.
        Assert.Null(await NoticeAsync("liaison.522722", "hit_confirmation", taskId));
        Assert.Null(await NoticeAsync("liaison.522701", "hit_confirmation", taskId));
    }
}

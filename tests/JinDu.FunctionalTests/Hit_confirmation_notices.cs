using System.Text.Json.Nodes;
using JinDu.Leads.Infrastructure;
using JinDu.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace JinDu.FunctionalTests;

/// <summary>
/// Issue 5: 比中核实 reaches partners through their channels, not only Leads' task list. A checkpoint hit in 荔波县 on a
/// 独山县 lead gives 独山县 a hit_confirmation notice (a pointer: its lead, who hit it, whom to call, the clock), and an
/// unanswered one gives the prefecture a hit_confirmation_overdue notice. The leads clock is a fake here.
/// </summary>
public sealed class Hit_confirmation_notices : IClassFixture<StandaloneFactory>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly WebApplicationFactory<JinDu.Standalone.StandaloneEntryPoint> _host;
    private readonly PlatformClient _platform;

    public Hit_confirmation_notices(StandaloneFactory factory)
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

    private async Task<JsonNode?> NoticeAsync(string liaison, string type, string taskId) =>
        (await _platform.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", liaison))["items"]!.AsArray()
            .FirstOrDefault(n => n!["type"]!.GetValue<string>() == type && n["payload"]!["taskId"]?.GetValue<string>() == taskId);

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
        Assert.DoesNotContain(id[^4..], text);
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

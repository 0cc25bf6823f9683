using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>Issue 4: an analyst searches the agency's leads; identifiers are typed in plain and matched by token.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class Searching_leads(StandaloneFactory factory)
{
    private readonly PlatformClient _platform = factory.Platform();

    private async Task<List<string>> IdsAsync(string query, string user = "analyst.522722")
    {
        var page = await _platform.GetJsonAsync($"{LeadSteps.Leads}?{query}", user);
        return page["items"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()).ToList();
    }

    private static string Id(JsonNode lead) => lead["id"]!.GetValue<string>();

    [Fact]
    public async Task Finds_a_lead_by_an_identifier_typed_however_the_caller_writes_it()
    {
        var phone = LeadSteps.Phone();
        var id = TestIds.Person("522726");
        var lead = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", phone), ("person", id), ("vehicle", "贵J12345")));

        Assert.Equal([Id(lead)], await IdsAsync($"phone=%2B86%20{phone[..3]}%20{phone[3..7]}%20{phone[7..]}"));
        Assert.Equal([Id(lead)], await IdsAsync($"idNumber={id.ToLowerInvariant()}&phone={phone}"));
        Assert.Contains(Id(lead), await IdsAsync("plate=%E8%B4%B5J%C2%B712345"));
        Assert.Empty(await IdsAsync($"phone={phone}", "analyst.522726"));

        // The search is audited with what kind of identifier was looked for, never the value.
        var trail = await _platform.GetJsonAsync("/api/leads/v1/audit?limit=50&actor=analyst.522722", "auditor");
        Assert.Contains(trail["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "search_by_identifier");
        Assert.DoesNotContain(phone, trail.ToJsonString());
    }

    [Fact]
    public async Task Narrows_by_status_severity_substance_assignee_and_time()
    {
        var phone = LeadSteps.Phone();
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        var heroin = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(5, ["heroin"], ("phone", phone)));
        var ketamine = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(2, ["ketamine"], ("phone", phone)));
        await _platform.MovedAsync("analyst.522722", ketamine, new { status = "triaged" });
        await _platform.MovedAsync("analyst.522722", ketamine, new { status = "assigned", assignee = "analyst.522722" });

        Assert.Equal([Id(ketamine), Id(heroin)], await IdsAsync($"phone={phone}"));
        Assert.Equal([Id(heroin)], await IdsAsync($"phone={phone}&status=new"));
        Assert.Equal([Id(ketamine)], await IdsAsync($"phone={phone}&status=assigned&assignee=analyst.522722"));
        Assert.Equal([Id(heroin)], await IdsAsync($"phone={phone}&severity=5"));
        Assert.Equal([Id(heroin)], await IdsAsync($"phone={phone}&minSeverity=3"));
        Assert.Equal([Id(ketamine)], await IdsAsync($"phone={phone}&substance=ketamine"));
        Assert.Equal([Id(ketamine), Id(heroin)], await IdsAsync($"phone={phone}&source=analyst&from={started:O}".Replace("+", "%2B")));
        Assert.Empty(await IdsAsync($"phone={phone}&to={started:O}".Replace("+", "%2B")));
    }

    [Fact]
    public async Task Pages_through_the_results_with_a_cursor()
    {
        var phone = LeadSteps.Phone();
        var created = new List<string>();
        for (var i = 0; i < 5; i++) created.Add(Id(await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", phone)))));
        created.Reverse();

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _platform.GetJsonAsync($"{LeadSteps.Leads}?phone={phone}&limit=2" + (cursor is null ? "" : $"&cursor={cursor}"), "analyst.522722");
            var items = page["items"]!.AsArray();
            Assert.InRange(items.Count, 1, 2);
            seen.AddRange(items.Select(l => l!["id"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.Equal(created, seen);
    }

    [Theory]
    [InlineData("status=sleeping", "status")]
    [InlineData("severity=9", "severity")]
    [InlineData("minSeverity=high", "minSeverity")]
    [InlineData("substance=sugar", "substance")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-11-02&to=2026-11-01", "to")]
    [InlineData("idNumber=522726199003071235", "idNumber")]
    [InlineData("phone=123", "phone")]
    [InlineData("source=rumour", "source")]
    [InlineData("limit=0", "limit")]
    [InlineData("cursor=%%%", "cursor")]
    [InlineData("colour=red", "colour")]
    [InlineData("scope=everything", "scope")]
    [InlineData("scope=shared&assignee=analyst.522726", "assignee")]
    public async Task Refuses_a_bad_filter_with_400_naming_it(string query, string field)
    {
        using var response = await _platform.GetAsync($"{LeadSteps.Leads}?{query}", "analyst.522722");
        var problem = await LeadSteps.ExpectProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.DoesNotContain("522726199003071235", problem.ToJsonString());
    }
}

/// <summary>Issue 4: the figures a supervisor watches, on a platform of their own so other tests' leads do not count.</summary>
public sealed class Lead_figures(StandaloneFactory factory) : IClassFixture<StandaloneFactory>
{
    private readonly PlatformClient _platform = factory.Platform();

    [Fact]
    public async Task Count_leads_by_status_and_source_with_conversions_and_time_to_triage()
    {
        var leads = new List<JsonNode>();
        for (var i = 0; i < 4; i++) leads.Add(await _platform.CreateAsync("analyst.522701", LeadSteps.LeadOf(("phone", LeadSteps.Phone()))));
        foreach (var step in new[] { "triaged", "assigned", "investigating" }) await _platform.MovedAsync("analyst.522701", leads[0], new { status = step });
        await _platform.MovedAsync("analyst.522701", leads[0], new { status = "case_opened", caseNumber = "C-1" });
        await _platform.MovedAsync("analyst.522701", leads[1], new { status = "triaged" });
        await _platform.MovedAsync("analyst.522701", leads[2], new { status = "closed", reason = "duplicate" });
        await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", LeadSteps.Phone())));

        var figures = await _platform.GetJsonAsync("/api/leads/v1/figures", "supervisor.522701");
        Assert.Equal("522701", figures["agency"]!.GetValue<string>());
        Assert.Equal(4, figures["leads"]!.GetValue<int>());
        Assert.Equal(1, figures["byStatus"]!["new"]!.GetValue<int>());
        Assert.Equal(1, figures["byStatus"]!["triaged"]!.GetValue<int>());
        Assert.Equal(1, figures["byStatus"]!["case_opened"]!.GetValue<int>());
        Assert.Equal(1, figures["byStatus"]!["closed"]!.GetValue<int>());
        Assert.Equal(0, figures["byStatus"]!["assigned"]!.GetValue<int>());
        Assert.Equal(4, figures["bySource"]!["analyst"]!.GetValue<int>());
        Assert.Equal(0, figures["bySource"]!["tip"]!.GetValue<int>());
        Assert.Equal(1, figures["casesOpened"]!.GetValue<int>());
        Assert.Equal(0.25, figures["conversionRate"]!.GetValue<double>());
        Assert.Equal(2, figures["triaged"]!.GetValue<int>());
        Assert.InRange(figures["medianMinutesToTriage"]!.GetValue<double>(), 0, 5);

        var other = await _platform.GetJsonAsync("/api/leads/v1/figures", "supervisor.522722");
        Assert.Equal(1, other["leads"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("from=soon", "from")]
    [InlineData("from=2024-01-01&to=2026-01-01", "to")]
    [InlineData("by=status", "by")]
    public async Task Refuse_a_bad_period_naming_the_parameter(string query, string field)
    {
        using var response = await _platform.GetAsync($"/api/leads/v1/figures?{query}", "supervisor.522701");
        await LeadSteps.ExpectProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Are_not_for_officers()
    {
        using var response = await _platform.GetAsync("/api/leads/v1/figures", "officer.522701");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}

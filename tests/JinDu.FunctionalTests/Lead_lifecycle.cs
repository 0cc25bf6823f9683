using System.Net;
using System.Text.Json.Nodes;
using JinDu.BuildingBlocks.Messaging;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Grpc;
using JinDu.Leads.Infrastructure;
using JinDu.Testing;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>Issue 4: an analyst records a lead and moves it along its lifecycle, and only along it.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class Lead_lifecycle(StandaloneFactory factory)
{
    private readonly PlatformClient _platform = factory.Platform();

    [Fact]
    public async Task An_analyst_records_a_lead_whose_subjects_are_shown_masked()
    {
        var id = TestIds.Person("522726");
        var phone = LeadSteps.Phone();
        var lead = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("person", id), ("phone", phone), ("address", "贵州省黔南州荔波县玉屏街道 某小区3栋")));

        Assert.Equal("522722", lead["ownerAgency"]!.GetValue<string>());
        Assert.Equal("analyst", lead["source"]!.GetValue<string>());
        Assert.Equal("new", lead.Status());
        Assert.Equal("B2", lead["grading"]!.GetValue<string>());
        Assert.Equal("internal", lead["sharingLevel"]!.GetValue<string>());
        Assert.Equal("h0", lead["handlingCode"]!.GetValue<string>());
        Assert.StartsWith("XS-522722-", lead["reference"]!.GetValue<string>());
        var masked = lead["subjects"]!.AsArray().Select(s => s!["masked"]!.GetValue<string>()).ToList();
        Assert.Contains(id[..4] + "**********" + id[^4..], masked);
        Assert.Contains(phone[..3] + "****" + phone[^4..], masked);
        Assert.Contains("贵州省黔南州****", masked);
        Assert.DoesNotContain(id, lead.ToJsonString());
        Assert.DoesNotContain(phone, lead.ToJsonString());
        Assert.DoesNotContain("某小区", lead.ToJsonString());
        var created = Assert.Single(lead["timeline"]!.AsArray());
        Assert.Equal("created", created!["action"]!.GetValue<string>());
        Assert.Equal("analyst.522722", created["actor"]!.GetValue<string>());

        var again = await _platform.GetLeadAsync("analyst.522722", lead);
        Assert.Equal(lead["reference"]!.GetValue<string>(), again["reference"]!.GetValue<string>());
    }

    [Fact]
    public async Task Moves_from_new_to_a_case_with_every_step_on_the_timeline()
    {
        var lead = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", LeadSteps.Phone())));
        Assert.Equal("triaged", (await _platform.MovedAsync("analyst.522722", lead, new { status = "triaged" })).Status());
        var assigned = await _platform.MovedAsync("supervisor.522722", lead, new { status = "assigned", assignee = "analyst.522722" });
        Assert.Equal("analyst.522722", assigned["assignee"]!.GetValue<string>());
        Assert.Equal("investigating", (await _platform.MovedAsync("analyst.522722", lead, new { status = "investigating", note = "布控中" })).Status());
        var opened = await _platform.MovedAsync("analyst.522722", lead, new { status = "case_opened", caseNumber = "黔南公禁立字〔2026〕118号" });

        Assert.Equal("case_opened", opened.Status());
        Assert.Equal("黔南公禁立字〔2026〕118号", opened["caseNumber"]!.GetValue<string>());
        Assert.NotNull(opened["triagedAt"]);
        var steps = opened["timeline"]!.AsArray().Where(t => t!["action"]!.GetValue<string>() == "status_changed").ToList();
        Assert.Equal(4, steps.Count);
        Assert.Equal("supervisor.522722", steps[1]!["actor"]!.GetValue<string>());
        Assert.Contains("布控中", steps[2]!["detail"]!.GetValue<string>());

        // A case is final.
        using var after = await _platform.MoveAsync("analyst.522722", lead, new { status = "closed", reason = "unfounded" });
        await LeadSteps.ExpectProblemAsync(after, HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("investigating")]
    [InlineData("case_opened")]
    [InlineData("assigned")]
    [InlineData("new")]
    public async Task Refuses_a_step_out_of_order_with_409_and_leaves_the_lead_as_it_was(string status)
    {
        var lead = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", LeadSteps.Phone())));
        using var response = await _platform.MoveAsync("analyst.522722", lead, new { status, caseNumber = status == "case_opened" ? "X1" : null });
        var problem = await LeadSteps.ExpectProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal("urn:jindu:problem:conflict", problem["type"]!.GetValue<string>());
        Assert.Equal("status", problem["field"]!.GetValue<string>());
        Assert.Contains("allowed next: triaged, closed", problem["detail"]!.GetValue<string>());
        var unchanged = await _platform.GetLeadAsync("analyst.522722", lead);
        Assert.Equal("new", unchanged.Status());
        Assert.DoesNotContain("status_changed", unchanged.Actions());
    }

    [Fact]
    public async Task A_closed_lead_cannot_be_reopened()
    {
        var lead = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", LeadSteps.Phone())));
        var closed = await _platform.MovedAsync("analyst.522722", lead, new { status = "closed", reason = "unfounded" });
        Assert.Equal("unfounded", closed["closeReason"]!.GetValue<string>());
        using var response = await _platform.MoveAsync("analyst.522722", lead, new { status = "triaged" });
        var problem = await LeadSteps.ExpectProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains("final", problem["detail"]!.GetValue<string>());
    }

    public static TheoryData<string, string> BadMoves => new()
    {
        { """{"status":"case_opened"}""", "caseNumber" },
        { """{"status":"closed"}""", "reason" },
        { """{"status":"closed","reason":"forgotten"}""", "reason" },
        { """{"status":"closed","reason":"merged"}""", "mergedInto" },
        { """{"status":"closed","reason":"merged","mergedInto":"not-a-uuid"}""", "mergedInto" },
        { """{"status":"closed","reason":"duplicate","mergedInto":"0193a5c0-0000-7000-8000-000000000000"}""", "mergedInto" },
        { """{"status":"triaged","assignee":"analyst.522722"}""", "assignee" },
        { """{"status":"sideways"}""", "status" },
        { """{}""", "status" },
    };

    [Theory]
    [MemberData(nameof(BadMoves))]
    public async Task Refuses_bad_input_with_400_naming_the_field(string body, string field)
    {
        var lead = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", LeadSteps.Phone())));
        if (body.Contains("case_opened"))
            foreach (var step in new[] { "triaged", "assigned", "investigating" })
                await _platform.MovedAsync("analyst.522722", lead, new { status = step });
        using var response = await _platform.MoveAsync("analyst.522722", lead, body);
        var problem = await LeadSteps.ExpectProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Equal("urn:jindu:problem:validation", problem["type"]!.GetValue<string>());
        var unchanged = await _platform.GetLeadAsync("analyst.522722", lead);
        Assert.Null(unchanged["closeReason"]);
        Assert.Null(unchanged["caseNumber"]);
    }

    public static TheoryData<string, string> BadLeads => new()
    {
        { """{"severity":3}""", "summary" },
        { """{"summary":"x","severity":7}""", "severity" },
        { """{"summary":"x"}""", "severity" },
        { """{"summary":"x","severity":3,"reliability":"E"}""", "reliability" },
        { """{"summary":"x","severity":3,"credibility":5}""", "credibility" },
        { """{"summary":"x","severity":3,"substances":["sugar"]}""", "substances[0]" },
        { """{"summary":"x","severity":3,"subjects":[{"kind":"person","value":"522726199003071235"}]}""", "subjects[0].value" },
        { """{"summary":"x","severity":3,"subjects":[{"kind":"phone","value":"12345"}]}""", "subjects[0].value" },
        { """{"summary":"x","severity":3,"subjects":[{"kind":"dog","value":"rex"}]}""", "subjects[0].kind" },
        { """{"summary":"x","severity":3,"sharingLevel":"partners"}""", "sharingLevel" },
        { """{"summary":"x","severity":3,"handlingCode":"h3"}""", "handlingConditions" },
        { """{"summary":"x","severity":3,"handlingCode":"h9"}""", "handlingCode" },
    };

    [Theory]
    [MemberData(nameof(BadLeads))]
    public async Task A_bad_lead_is_refused_with_400_naming_the_field_and_not_echoing_identifiers(string body, string field)
    {
        using var response = await _platform.PostAsync(LeadSteps.Leads, "analyst.522722", body);
        var problem = await LeadSteps.ExpectProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.DoesNotContain("522726199003071235", problem.ToJsonString());
    }

    [Fact]
    public async Task Closing_takes_its_identifiers_off_the_watchlist()
    {
        var (lead, token, reference) = await PhoneLeadOnWatchlistAsync();
        await _platform.MovedAsync("analyst.522722", lead, new { status = "closed", reason = "unfounded" });
        await PlatformClient.EventuallyAsync(async () => (await MatchAsync(token)).Contains(reference) ? null : "off", what: "the phone off the watchlist");
    }

    [Fact]
    public async Task A_late_add_never_puts_a_closed_lead_back_on_the_watchlist()
    {
        // A flag adding to a lead and an analyst closing it a moment later make two WatchlistChanged events, and they
        // can be applied in either order (several at once, several instances, a redelivery). Here the "add" arrives
        // after the "remove" was applied: the closed lead's phone must stay off the watchlist (closing is final).
        var (lead, token, reference) = await PhoneLeadOnWatchlistAsync();
        await _platform.MovedAsync("analyst.522722", lead, new { status = "closed", reason = "unfounded" });
        await PlatformClient.EventuallyAsync(async () => (await MatchAsync(token)).Contains(reference) ? null : "off", what: "the phone off the watchlist");

        // The late "add" comes from Leads' outbox, as every WatchlistChanged does (and as a row published again from the
        // table would): its row is marked sent only once the watchlist has applied it. With it, an add for an open lead,
        // which must land.
        var (_, _, open) = await PhoneLeadOnWatchlistAsync();
        var fresh = "late-" + Guid.NewGuid().ToString("N");
        WatchlistChanged Add(string lead, string added) => new()
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow.AddSeconds(-5), ProducerAgency = "522722",
            LeadReference = lead, OwnerAgency = "522722", Severity = 3, AddedTokens = [added], RemovedTokens = [],
        };
        List<WatchlistChanged> late = [Add(reference, token), Add(open, fresh)];
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LeadsDbContext>();
            db.OutboxMessages.AddRange(late.Select(OutboxMessage.From));
            await db.SaveChangesAsync();
        }
        await PlatformClient.EventuallyAsync(async () =>
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var ids = late.Select(e => e.EventId).ToList();
            var sent = await scope.ServiceProvider.GetRequiredService<LeadsDbContext>().OutboxMessages.AsNoTracking()
                .CountAsync(m => ids.Contains(m.MessageId) && m.SentAt != null);
            return sent == late.Count ? "applied" : null;
        }, what: "the late adds published and applied");
        Assert.Contains(open, await MatchAsync(fresh));
        Assert.DoesNotContain(reference, await MatchAsync(token));
    }

    /// <summary>A new lead of 荔波 on a phone, once the phone is on the watchlist.</summary>
    private async Task<(JsonNode Lead, string Token, string Reference)> PhoneLeadOnWatchlistAsync()
    {
        var phone = LeadSteps.Phone();
        var lead = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", phone)));
        var token = factory.Services.GetRequiredService<PersonalDataProtector>().Token(SubjectKind.Phone, phone);
        var reference = lead["reference"]!.GetValue<string>();
        await PlatformClient.EventuallyAsync(async () => (await MatchAsync(token)).Contains(reference) ? "on" : null, what: "the phone on the watchlist");
        return (lead, token, reference);
    }

    /// <summary>The lead references the watchlist answers for a token (as Screening would be told).</summary>
    private async Task<IReadOnlyList<string>> MatchAsync(string token)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var matches = await scope.ServiceProvider.GetRequiredService<WatchlistQuery>().MatchAsync([token], CancellationToken.None);
        return matches.Select(m => m.LeadReference).ToList();
    }

    [Fact]
    public async Task Merging_carries_the_subjects_into_the_surviving_lead()
    {
        var phone = LeadSteps.Phone();
        var id = TestIds.Person("522722");
        var survivor = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", phone)));
        var merged = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(5, ["heroin"], ("person", id)));

        var closed = await _platform.MovedAsync("analyst.522722", merged, new { status = "closed", reason = "merged", mergedInto = survivor["id"]!.GetValue<string>() });
        Assert.Equal("merged", closed["closeReason"]!.GetValue<string>());
        Assert.Equal(survivor["id"]!.GetValue<string>(), closed["mergedInto"]!.GetValue<string>());

        var after = await _platform.GetLeadAsync("analyst.522722", survivor);
        Assert.Contains(id[..4] + "**********" + id[^4..], after["subjects"]!.AsArray().Select(s => s!["masked"]!.GetValue<string>()));
        Assert.Contains("heroin", after["substances"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(5, after["severity"]!.GetValue<int>());
        Assert.Contains("merged_from", after.Actions());

        var found = await _platform.GetJsonAsync($"{LeadSteps.Leads}?idNumber={id}&status=triaged", "analyst.522722");
        Assert.Empty(found["items"]!.AsArray());
        found = await _platform.GetJsonAsync($"{LeadSteps.Leads}?idNumber={id}&status=new", "analyst.522722");
        Assert.Equal(survivor["id"]!.GetValue<string>(), Assert.Single(found["items"]!.AsArray())!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cannot_be_merged_into_another_countys_lead()
    {
        var theirs = await _platform.CreateAsync("analyst.522726", LeadSteps.LeadOf(("phone", LeadSteps.Phone())));
        var ours = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", LeadSteps.Phone())));
        using var response = await _platform.MoveAsync("analyst.522722", ours, new { status = "closed", reason = "merged", mergedInto = theirs["id"]!.GetValue<string>() });
        await LeadSteps.ExpectProblemAsync(response, HttpStatusCode.BadRequest, "mergedInto");
        Assert.Equal("new", (await _platform.GetLeadAsync("analyst.522722", ours)).Status());
    }

    [Fact]
    public async Task Another_countys_analyst_gets_404_for_reading_and_moving_it()
    {
        var phone = LeadSteps.Phone();
        var lead = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", phone)));
        using var read = await _platform.GetAsync($"{LeadSteps.Leads}/{lead["id"]}", "analyst.522701");
        await LeadSteps.ExpectProblemAsync(read, HttpStatusCode.NotFound);
        using var move = await _platform.MoveAsync("analyst.522701", lead, new { status = "triaged" });
        await LeadSteps.ExpectProblemAsync(move, HttpStatusCode.NotFound);
        using var supervisor = await _platform.GetAsync($"{LeadSteps.Leads}/{lead["id"]}", "supervisor.522726");
        await LeadSteps.ExpectProblemAsync(supervisor, HttpStatusCode.NotFound);
        var search = await _platform.GetJsonAsync($"{LeadSteps.Leads}?phone={phone}", "analyst.522701");
        Assert.Empty(search["items"]!.AsArray());
        Assert.Equal("new", (await _platform.GetLeadAsync("analyst.522722", lead)).Status());
    }

    [Fact]
    public async Task Is_404_for_another_county_on_every_endpoint_of_a_lead()
    {
        var phone = LeadSteps.Phone();
        var lead = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", phone)));
        var path = $"{LeadSteps.Leads}/{lead["id"]}";
        var attempts = new (HttpMethod Method, string Path, string User, object? Body)[]
        {
            (HttpMethod.Get, path, "analyst.522726", null),
            (HttpMethod.Get, path + "?reveal=true", "supervisor.522726", null),
            (HttpMethod.Post, path + "/status", "analyst.522726", new { status = "triaged" }),
            (HttpMethod.Post, path + "/status", "supervisor.522701", new { status = "closed", reason = "unfounded" }),
            (HttpMethod.Post, path + "/sharing", "analyst.522726", new { level = "prefecture" }),
            (HttpMethod.Post, path + "/sharing", "supervisor.522726", new { level = "partners", agencies = new[] { "522726" } }),
            (HttpMethod.Get, path + "/sharing/requests", "analyst.522726", null),
            (HttpMethod.Post, path + $"/sharing/requests/{Guid.NewGuid()}/approve", "supervisor.522726", new { }),
        };
        foreach (var (method, url, user, body) in attempts)
        {
            using var response = await _platform.SendAsync(method, url, user, body);
            var problem = await LeadSteps.ExpectProblemAsync(response, HttpStatusCode.NotFound);
            Assert.Equal("urn:jindu:problem:not-found", problem["type"]!.GetValue<string>());
        }
        Assert.Empty((await _platform.GetJsonAsync($"{LeadSteps.Leads}?phone={phone}&scope=shared", "analyst.522726"))["items"]!.AsArray());
        var untouched = await _platform.GetLeadAsync("analyst.522722", lead);
        Assert.Equal("new", untouched.Status());
        Assert.Equal("internal", untouched["sharingLevel"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("officer.522722")]
    [InlineData("auditor")]
    [InlineData("liaison.522722")]
    [InlineData("supervisor.522722")]
    public async Task Only_analysts_record_leads(string user)
    {
        using var response = await _platform.PostAsync(LeadSteps.Leads, user, LeadSteps.LeadOf(("phone", LeadSteps.Phone())));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Auditors_and_officers_cannot_read_leads()
    {
        var lead = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", LeadSteps.Phone())));
        foreach (var user in new[] { "auditor", "officer.522722", "admin" })
        {
            using var response = await _platform.GetAsync($"{LeadSteps.Leads}/{lead["id"]}", user);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    [Fact]
    public async Task Retried_with_the_same_idempotency_key_records_one_lead()
    {
        var phone = LeadSteps.Phone();
        var key = Guid.NewGuid().ToString();
        var first = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", phone)), key);
        var second = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", phone)), key);
        Assert.Equal(first["id"]!.GetValue<string>(), second["id"]!.GetValue<string>());
        var found = await _platform.GetJsonAsync($"{LeadSteps.Leads}?phone={phone}", "analyst.522722");
        Assert.Single(found["items"]!.AsArray());
    }

    [Fact]
    public async Task A_supervisor_sees_the_identifiers_in_full_on_request_and_the_reading_is_audited()
    {
        var id = TestIds.Person("522726");
        var lead = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("person", id)));
        using var denied = await _platform.GetAsync($"{LeadSteps.Leads}/{lead["id"]}?reveal=true", "analyst.522722");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.DoesNotContain(id, await denied.Content.ReadAsStringAsync());

        var revealed = await _platform.GetJsonAsync($"{LeadSteps.Leads}/{lead["id"]}?reveal=true", "supervisor.522722");
        Assert.Equal(id, revealed["revealed"]![0]!["value"]!.GetValue<string>());

        var trail = await _platform.GetJsonAsync("/api/leads/v1/audit?limit=200", "auditor");
        var reads = trail["items"]!.AsArray().Where(e => e!["target"]!.GetValue<string>() == $"lead/{lead["id"]}" && e["action"]!.GetValue<string>() == "read_personal_data").ToList();
        Assert.Contains(reads, e => e!["actor"]!.GetValue<string>() == "supervisor.522722" && e["outcome"]!.GetValue<string>() == "success");
        Assert.Contains(reads, e => e!["actor"]!.GetValue<string>() == "analyst.522722" && e["outcome"]!.GetValue<string>() == "denied");
        Assert.DoesNotContain(id, trail.ToJsonString());
    }

    [Fact]
    public async Task A_new_lead_whose_reference_is_taken_gets_another_of_the_same_day_and_agency()
    {
        var taken = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", LeadSteps.Phone())));
        var reference = taken["reference"]!.GetValue<string>();
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JinDu.Leads.Infrastructure.LeadsDbContext>();
        var stored = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Leads, l => l.Reference == reference);
        // Another lead of the same agency and day whose id ends in the same six digits: the reference its id gives is taken.
        var suffix = stored.PublicId.ToString("N")[^6..];
        var twin = new JinDu.Leads.Model.Lead
        {
            PublicId = Guid.Parse(Guid.CreateVersion7().ToString("N")[..^6] + suffix),
            OwnerAgency = stored.OwnerAgency,
            CreatedAt = stored.CreatedAt,
        };
        Assert.Equal(reference, JinDu.Leads.Consumers.LeadReference.For(twin));

        var other = await JinDu.Leads.Consumers.LeadReference.UnusedAsync(db, twin, CancellationToken.None);
        Assert.NotEqual(reference, other);
        Assert.StartsWith(reference[..^6], other);
        Assert.Matches("^XS-522722-[0-9]{8}-[0-9A-F]{6}$", other);
    }

    [Fact]
    public async Task Leads_made_from_a_batch_of_flags_get_ids_whose_references_are_free_and_unlike_each_other()
    {
        var taken = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("phone", LeadSteps.Phone())));
        var reference = taken["reference"]!.GetValue<string>();
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JinDu.Leads.Infrastructure.LeadsDbContext>();
        var stored = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Leads, l => l.Reference == reference);
        // The ids the batch is offered: one whose reference is the stored lead's, then one twice, then any.
        var twin = Guid.Parse(Guid.CreateVersion7().ToString("N")[..^6] + stored.PublicId.ToString("N")[^6..]);
        var repeated = Guid.CreateVersion7();
        var offered = new Queue<Guid>([twin, repeated, repeated]);

        var free = await JinDu.Leads.Consumers.LeadReference.FreeAsync(db, new Dictionary<string, int> { ["522722"] = 2, ["522726"] = 1 },
            stored.CreatedAt, CancellationToken.None, () => offered.Count > 0 ? offered.Dequeue() : Guid.CreateVersion7());

        var ours = free["522722"].ToList();
        Assert.Equal(2, ours.Count);
        Assert.DoesNotContain(ours, x => x.Id == twin || x.Reference == reference);
        Assert.Single(ours, x => x.Id == repeated);
        Assert.Equal(2, ours.Select(x => x.Reference).Distinct().Count());
        Assert.All(ours, x => Assert.Equal(JinDu.Leads.Consumers.LeadReference.For("522722", stored.CreatedAt, x.Id), x.Reference));
        Assert.Matches("^XS-522726-[0-9]{8}-[0-9A-F]{6}$", Assert.Single(free["522726"]).Reference);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using JinDu.BuildingBlocks.Auth.LocalIssuer;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Leads.Contracts.Events;
using JinDu.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>
/// A lead shared through the Leads API reaches exactly the inboxes the sharing rules allow, at each level, with a
/// pointer, categories and the kinds of subject — never a subject's value, mask or token — and an internal lead reaches
/// none. 荔波县 (522722) owns the leads; 独山县 (522726), 都匀市 (522701) and 黔南州 (522700) share its prefecture;
/// 遵义 红花岗区 (520302), 昆明 五华区 (530102) and 贵阳 南明区 (520102) do not. Each test uses its own substance, so the
/// subscriptions one test makes do not reach another's leads.
/// </summary>
public sealed class Sharing_reaches_the_right_inboxes(StandaloneFactory factory) : IClassFixture<StandaloneFactory>
{
    private const string Summary = "线人称其每周三从云南带货";
    private static readonly string[] Everyone = ["522722", "522726", "522701", "522700", "520302", "530102", "520102"];
    private readonly PlatformClient _platform = factory.Platform();

    private string TokenOf(string agency, string role = "liaison") =>
        factory.Services.GetRequiredService<LocalTokenIssuer>().CreateToken($"{role}.{agency}", $"{role} {agency}", agency, [role]);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        if (body is not null) request.Content = JsonContent.Create(body);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return await _platform.Http.SendAsync(request);
    }

    private async Task<JsonNode> ExpectAsync(HttpMethod method, string path, string user, object? body, HttpStatusCode status)
    {
        using var response = await _platform.SendAsync(method, path, user, body, Guid.NewGuid().ToString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task SubscribeAsync(string agency, string substance)
    {
        if (agency == "520102")
        {
            using var registered = await _platform.SendAsync(HttpMethod.Put, "/api/cooperation/v1/agencies/520102", "admin", new { displayName = "南明区禁毒办" });
            Assert.True(registered.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await registered.Content.ReadAsStringAsync());
        }
        using var response = await SendAsync(HttpMethod.Post, "/api/cooperation/v1/subscriptions", TokenOf(agency), new { types = new[] { "lead_shared" }, substances = new[] { substance } });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private async Task<List<JsonNode>> SharedNoticesAsync(string agency, string reference)
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/cooperation/v1/inbox?limit=500", TokenOf(agency));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["items"]!.AsArray();
        return items.Where(n => n!["type"]!.GetValue<string>() == "lead_shared" && n["payload"]!["reference"]?.GetValue<string>() == reference)
            .Select(n => n!).ToList();
    }

    /// <summary>Waits for the first expected recipient (one event writes every recipient in one commit), then names every inbox holding it.</summary>
    private async Task<Dictionary<string, JsonNode>> RecipientsAsync(string reference, string first)
    {
        await PlatformClient.EventuallyAsync(async () => (await SharedNoticesAsync(first, reference)).FirstOrDefault(), what: $"the notice in {first}'s inbox");
        var found = new Dictionary<string, JsonNode>();
        foreach (var agency in Everyone)
        {
            var notices = await SharedNoticesAsync(agency, reference);
            Assert.True(notices.Count <= 1, $"{agency} got {notices.Count} notices of {reference}");
            if (notices.Count == 1) found[agency] = notices[0];
        }
        return found;
    }

    private async Task<(JsonNode Lead, string Reference, string Person, string Phone)> CreateLeadAsync(string substance, string owner = "analyst.522722")
    {
        var person = TestIds.Person("522726");
        var phone = LeadSteps.Phone();
        var lead = await _platform.CreateAsync(owner, new
        {
            summary = Summary, severity = 4, substances = new[] { substance },
            subjects = new[] { new { kind = "person", value = person }, new { kind = "phone", value = phone } },
        });
        return (lead, lead["reference"]!.GetValue<string>(), person, phone);
    }

    private void AssertPointerOnly(JsonNode notice, string person, string phone)
    {
        var text = notice.ToJsonString();
        var protector = factory.Services.GetRequiredService<PersonalDataProtector>();
        Assert.DoesNotContain(person, text);
        Leaks.AssertNoTail(text, person);
        Assert.DoesNotContain(phone, text);
        Leaks.AssertNoTail(text, phone);
        Assert.DoesNotContain("****", text);
        Assert.DoesNotContain(protector.Token(SubjectKind.Person, person), text);
        Assert.DoesNotContain(protector.Token(SubjectKind.Phone, phone), text);
        Assert.DoesNotContain(Summary, text);
        Assert.Empty(notice["payload"]!["subjects"]!.AsArray());
        Assert.Equal(["person", "phone"], notice["payload"]!["subjectKinds"]!.AsArray().Select(k => k!.GetValue<string>()).Order());
        Assert.Equal("522722", notice["payload"]!["ownerAgency"]!.GetValue<string>());
    }

    private string Sharing(JsonNode lead) => $"{LeadSteps.Leads}/{lead["id"]}/sharing";

    [Fact]
    public async Task At_prefecture_level_the_prefecture_and_subscribers_within_it_hear_of_it()
    {
        await SubscribeAsync("522701", "ketamine");
        await SubscribeAsync("520102", "ketamine"); // another prefecture: its subscription does not widen the level
        var (lead, reference, person, phone) = await CreateLeadAsync("ketamine");
        await ExpectAsync(HttpMethod.Post, Sharing(lead), "analyst.522722", new { level = "prefecture" }, HttpStatusCode.OK);

        var found = await RecipientsAsync(reference, "522700");
        Assert.Equal(["522700", "522701"], found.Keys.Order());
        foreach (var notice in found.Values)
        {
            AssertPointerOnly(notice, person, phone);
            Assert.Equal("prefecture", notice["payload"]!["sharingLevel"]!.GetValue<string>());
            Assert.Equal(4, notice["payload"]!["severity"]!.GetValue<int>());
            Assert.Equal("ketamine", notice["payload"]!["substances"]![0]!.GetValue<string>());
            Assert.Null(notice["payload"]!["expiresAt"]);
        }
    }

    [Fact]
    public async Task With_partners_only_the_named_agencies_with_an_agreement_hear_of_it()
    {
        await ExpectAsync(HttpMethod.Post, "/api/cooperation/v1/agreements", "admin",
            new { parties = new[] { "522722", "520302" }, sharingLevels = new[] { "partners" }, disclosure = "masked" }, HttpStatusCode.Created);
        // Subscribers not named cannot open a partners-level lead (Leads answers them 404): no notice points them at it.
        await SubscribeAsync("522726", "cocaine");
        await SubscribeAsync("520102", "cocaine");
        var (lead, reference, person, phone) = await CreateLeadAsync("cocaine");
        // 530102 is named but has no agreement and lies in another prefecture: withheld.
        await ExpectAsync(HttpMethod.Post, Sharing(lead), "supervisor.522722", new { level = "partners", agencies = new[] { "520302", "530102" } }, HttpStatusCode.OK);

        var found = await RecipientsAsync(reference, "520302");
        Assert.Equal(["520302"], found.Keys.Order());
        foreach (var notice in found.Values)
        {
            AssertPointerOnly(notice, person, phone);
            Assert.Equal("partners", notice["payload"]!["sharingLevel"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task With_a_group_the_named_members_hear_of_it_and_neither_named_agencies_outside_it_nor_unnamed_members_do()
    {
        await ExpectAsync(HttpMethod.Post, "/api/cooperation/v1/groups", "supervisor.522722",
            new { name = "黔滇协作组", members = new[] { "522701", "530102" } }, HttpStatusCode.Created);
        await SubscribeAsync("522700", "mdma"); // the prefecture, but not a member
        var (lead, reference, person, phone) = await CreateLeadAsync("mdma");
        await ExpectAsync(HttpMethod.Post, Sharing(lead), "supervisor.522722",
            new { level = "group", group = "黔滇协作组", agencies = new[] { "522701", "522726" } }, HttpStatusCode.OK);

        // 530102 is a member but was not named: Leads would not let it open the lead.
        var found = await RecipientsAsync(reference, "522701");
        Assert.Equal(["522701"], found.Keys.Order());
        foreach (var notice in found.Values)
        {
            AssertPointerOnly(notice, person, phone);
            Assert.Equal("group", notice["payload"]!["sharingLevel"]!.GetValue<string>());
        }

        // A group name Cooperation does not know: the agencies named are the group.
        var (other, otherReference, _, _) = await CreateLeadAsync("mdma");
        await ExpectAsync(HttpMethod.Post, Sharing(other), "supervisor.522722",
            new { level = "group", group = "临时专案组", agencies = new[] { "522726" } }, HttpStatusCode.OK);
        Assert.Equal(["522726"], (await RecipientsAsync(otherReference, "522726")).Keys);
    }

    [Fact]
    public async Task An_internal_lead_reaches_nobody_and_a_grant_reaches_only_the_grantee_with_its_expiry()
    {
        await SubscribeAsync("522701", "opium");
        await SubscribeAsync("522700", "opium");
        var (lead, reference, person, phone) = await CreateLeadAsync("opium");
        await ExpectAsync(HttpMethod.Post, Sharing(lead), "analyst.522722", new { level = "internal" }, HttpStatusCode.OK);

        // 独山县 holds a pointer (its own lead on the person), asks for access and is granted it for two days.
        await _platform.CreateAsync("analyst.522726", LeadSteps.LeadOf(("person", person)));
        var ask = await ExpectAsync(HttpMethod.Post, "/api/leads/v1/access-requests", "analyst.522726", new { reference, reason = "同一嫌疑人" }, HttpStatusCode.Created);
        var expires = DateTimeOffset.UtcNow.AddDays(2);
        await ExpectAsync(HttpMethod.Post, $"/api/leads/v1/access-requests/{ask["id"]}/grant", "analyst.522722", new { expiresAt = expires }, HttpStatusCode.OK);

        var found = await RecipientsAsync(reference, "522726");
        var notice = Assert.Single(found, f => true);
        Assert.Equal("522726", notice.Key);
        AssertPointerOnly(notice.Value, person, phone);
        Assert.Equal("grant", notice.Value["payload"]!["sharingLevel"]!.GetValue<string>());
        Assert.Equal(expires.ToUnixTimeSeconds(), notice.Value["payload"]!["expiresAt"]!.GetValue<DateTimeOffset>().ToUnixTimeSeconds());
        Assert.Contains("授权", notice.Value["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_event_at_internal_level_notifies_nobody_and_one_delivered_twice_notifies_once()
    {
        await SubscribeAsync("522726", "heroin");
        var bus = factory.Services.GetRequiredService<IBus>();
        LeadShared Shared(string level, string reference) => new()
        {
            EventId = Guid.CreateVersion7(), OccurredAt = DateTimeOffset.UtcNow, ProducerAgency = "522722", LeadId = Guid.CreateVersion7(),
            Reference = reference, OwnerAgency = "522722", Contact = "荔波县禁毒办", Level = level, RecipientAgencies = ["522726", "522701"],
            Source = "analyst", Substances = ["heroin"], Severity = 3, HandlingCode = "h0", SubjectKinds = ["person"],
            Prefecture = level == "prefecture" ? "522700" : null,
        };
        var @internal = Shared("internal", "LB-INT-" + Guid.NewGuid().ToString("N")[..6]);
        var twice = Shared("prefecture", "LB-TWICE-" + Guid.NewGuid().ToString("N")[..6]);
        await bus.Publish(@internal);
        await bus.Publish(twice);
        await bus.Publish(twice);

        Assert.Equal(["522700", "522726"], (await RecipientsAsync(twice.Reference, "522700")).Keys.Order());
        await Task.Delay(500);
        Assert.Equal(["522700", "522726"], (await RecipientsAsync(twice.Reference, "522700")).Keys.Order());
        foreach (var agency in Everyone) Assert.Empty(await SharedNoticesAsync(agency, @internal.Reference));
    }
}

using System.Net;
using System.Text.Json.Nodes;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using JinDu.Cooperation.Sharing;
using JinDu.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>
/// Leak tests of the one redaction point: an internal lead reaches no partner, a tokens agreement lets no
/// plaintext (nor the masked form) out, household notices follow the agreement, and one flag notifies each agency once.
/// Lead offers are fed to the router the way Leads' events will be (LeadShared is being built elsewhere).
/// </summary>
public sealed class What_leaves_for_a_partner(StandaloneFactory factory) : IClassFixture<StandaloneFactory>
{
    private readonly PlatformClient _platform = factory.Platform();

    private async Task AgreeAsync(string a, string b, string disclosure, params string[] levels)
    {
        using var response = await _platform.PostAsync("/api/cooperation/v1/agreements", "admin", new { parties = new[] { a, b }, sharingLevels = levels, disclosure });
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
    }

    private async Task SubscribeAsync(string liaison, object body)
    {
        using var response = await _platform.PostAsync("/api/cooperation/v1/subscriptions", liaison, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private async Task<IReadOnlyList<string>> OfferAsync(LeadOffer offer)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var router = scope.ServiceProvider.GetRequiredService<NoticeRouter>();
        var notified = await router.OfferAsync(offer, CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<CooperationDbContext>().SaveChangesAsync();
        return notified;
    }

    private string Token(string person) => factory.Services.GetRequiredService<PersonalDataProtector>().Token(SubjectKind.Person, person);

    // Addressed to 522701 as Leads would address a partner it shares with: at partners level subscribers are not added
    // (only named agencies can open the lead), so the subscription alone no longer reaches it.
    private LeadOffer Offer(string owner, SharingLevel level, string person, HandlingCode handling = HandlingCode.H1, string? originalOwner = null) =>
        new(Guid.CreateVersion7(), NoticeType.LeadShared, owner, level, handling, Guid.CreateVersion7(), "L-" + Guid.NewGuid().ToString("N")[..8],
            "trafficking", 4, ["methamphetamine"], [new OutgoingSubject(SubjectKind.Person, Token(person), person[..4] + "**********" + person[^4..], person)],
            "荔波县禁毒办 0854-0000000", ["522701"], "use for this case only", OriginalOwner: originalOwner);

    private async Task<JsonArray> InboxAsync(string user) =>
        (await _platform.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", user))["items"]!.AsArray();

    [Fact]
    public async Task An_internal_lead_reaches_no_partner_even_a_subscribed_one_with_a_full_agreement()
    {
        await AgreeAsync("522722", "522701", "full", "partners");
        await SubscribeAsync("liaison.522701", new { types = new[] { "lead_shared" }, substances = new[] { "methamphetamine" } });
        var person = TestIds.Person("522726");

        var @internal = Offer("522722", SharingLevel.Internal, person);
        Assert.Empty(await OfferAsync(@internal));
        var onward = Offer("522722", SharingLevel.Partners, person, HandlingCode.H2, originalOwner: "530102");
        Assert.Empty(await OfferAsync(onward));
        foreach (var user in new[] { "liaison.522701", "liaison.522726", "supervisor.522700" })
        {
            var inbox = (await InboxAsync(user)).ToJsonString();
            Assert.DoesNotContain(@internal.Reference, inbox);
            Assert.DoesNotContain(onward.Reference, inbox);
        }

        var partners = Offer("522722", SharingLevel.Partners, person);
        Assert.Equal(["522701"], await OfferAsync(partners));
        var notice = (await InboxAsync("liaison.522701")).Single(n => n!["payload"]!["reference"]?.GetValue<string>() == partners.Reference)!;
        Assert.Equal("lead_shared", notice["type"]!.GetValue<string>());
        Assert.Equal("full", notice["payload"]!["disclosure"]!.GetValue<string>());
        Assert.Equal("H1", notice["payload"]!["handling"]!.GetValue<string>());
        Assert.Equal(person, notice["payload"]!["subjects"]![0]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Under_a_tokens_agreement_no_identifier_leaves_in_any_form_but_its_token()
    {
        await AgreeAsync("522726", "522701", "tokens", "partners");
        await SubscribeAsync("liaison.522701", new { types = new[] { "lead_shared" }, regions = new[] { "522726" } });
        var person = TestIds.Person("522722");
        var offer = Offer("522726", SharingLevel.Partners, person);

        Assert.Contains("522701", await OfferAsync(offer));
        var notice = (await InboxAsync("liaison.522701")).Single(n => n!["payload"]!["reference"]?.GetValue<string>() == offer.Reference)!;
        var json = notice.ToJsonString();
        Assert.DoesNotContain(person, json);
        Leaks.AssertNoTail(json, person);
        Assert.DoesNotContain("*****", json);
        Assert.Equal(Token(person), notice["payload"]!["subjects"]![0]!["token"]!.GetValue<string>());
        Assert.Equal("tokens", notice["payload"]!["disclosure"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_household_notice_under_a_tokens_agreement_names_the_person_by_token_only()
    {
        await AgreeAsync("522722", "522726", "tokens", "partners");
        var person = TestIds.Person("522726");
        var inspectionId = await PostSeizureAsync(person);
        var notice = await PlatformClient.EventuallyAsync(async () =>
            (await InboxAsync("liaison.522726")).FirstOrDefault(n => n!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId), what: "the household notice");
        var json = notice!.ToJsonString();
        Leaks.AssertNoTail(json, person);
        Assert.Null(notice["payload"]!["subjectMasked"]);
        Assert.Equal("county", notice["payload"]!["routedLevel"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_agency_watching_a_person_hears_of_the_flag_once_and_the_household_county_too()
    {
        var person = TestIds.Person("522726");
        var watch = new { types = new[] { "household_notice" }, watch = new[] { new { kind = "person", value = person } } };
        await SubscribeAsync("liaison.522701", watch);
        await SubscribeAsync("liaison.522701", watch);
        await SubscribeAsync("liaison.522726", watch); // the household county watches them as well

        var inspectionId = await PostSeizureAsync(person);
        var watcher = await PlatformClient.EventuallyAsync(async () =>
            (await InboxAsync("liaison.522701")).Where(n => n!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId).ToList() is { Count: > 0 } l ? l : null,
            what: "the watcher's notice");
        Assert.Single(watcher);
        Assert.Equal("watch", watcher[0]!["payload"]!["routedLevel"]!.GetValue<string>());
        Assert.DoesNotContain(person, watcher[0]!.ToJsonString());
        var household = (await InboxAsync("liaison.522726")).Where(n => n!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId).ToList();
        Assert.Single(household);
        Assert.Equal("county", household[0]!["payload"]!["routedLevel"]!.GetValue<string>());
        // The flagging county is never told about its own flag.
        Assert.DoesNotContain(await InboxAsync("liaison.522722"), n => n!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId);
    }

    private async Task<string> PostSeizureAsync(string person)
    {
        using var response = await _platform.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(person));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }
}

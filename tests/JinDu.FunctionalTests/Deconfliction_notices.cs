using System.Text.Json.Nodes;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Leads.Contracts.Events;
using JinDu.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>
/// 冲突提示 reaching people: two counties' leads on the same person make one deconfliction notice in each owner's
/// stream (inbox and webhook alike) — a pointer to the other lead and nothing of the subject — and nobody else's.
/// </summary>
public sealed class Deconfliction_notices(CooperationPlatform platform) : IClassFixture<CooperationPlatform>
{
    private const string Summary = "线人称此人在出租屋内分装冰毒";
    private static readonly string[] PointerFields = ["leadId", "leadReference", "otherAgency", "otherAgencyName", "otherLeadReference", "contact", "subjectKind"];

    private async Task<JsonArray> InboxAsync(string user) =>
        (await platform.GetAsync("/api/cooperation/v1/inbox?limit=500", user))["items"]!.AsArray();

    private async Task<List<JsonNode>> DeconflictionsAsync(string user, string leadReference) =>
        (await InboxAsync(user)).Where(n => n!["type"]!.GetValue<string>() == "deconfliction"
                                            && n["payload"]!["leadReference"]!.GetValue<string>() == leadReference).Select(n => n!).ToList();

    [Fact]
    public async Task Both_owners_are_told_with_a_pointer_on_every_channel_and_nobody_else()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await platform.RegisterAsync("liaison.522726", receiver.Url);
        var person = TestIds.Person("522726");
        var phone = LeadSteps.Phone();
        var ours = await platform.Platform.CreateAsync("analyst.522722", new
        {
            summary = Summary, severity = 5, substances = new[] { "heroin" },
            subjects = new[] { new { kind = "person", value = person }, new { kind = "phone", value = phone } },
        });
        var theirs = await platform.Platform.CreateAsync("analyst.522726", LeadSteps.LeadOf(("person", person)));
        var ourReference = ours["reference"]!.GetValue<string>();
        var theirReference = theirs["reference"]!.GetValue<string>();

        var toUs = await PlatformClient.EventuallyAsync(async () => (await DeconflictionsAsync("liaison.522722", ourReference)).FirstOrDefault(),
            what: "荔波县's deconfliction notice");
        var toThem = await PlatformClient.EventuallyAsync(async () => (await DeconflictionsAsync("analyst.522726", theirReference)).FirstOrDefault(),
            what: "独山县's deconfliction notice");

        // A pointer: the recipient's own lead, the other agency, its lead and whom to call there, the kind of subject — nothing else.
        Assert.Equal(PointerFields.Order(), toUs!["payload"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal(ours["id"]!.GetValue<string>(), toUs["payload"]!["leadId"]!.GetValue<string>());
        Assert.Equal("522726", toUs["payload"]!["otherAgency"]!.GetValue<string>());
        Assert.Equal("独山县", toUs["payload"]!["otherAgencyName"]!.GetValue<string>());
        Assert.Equal(theirReference, toUs["payload"]!["otherLeadReference"]!.GetValue<string>());
        Assert.Equal("独山县禁毒办", toUs["payload"]!["contact"]!.GetValue<string>());
        Assert.Equal("person", toUs["payload"]!["subjectKind"]!.GetValue<string>());
        Assert.Equal("522722", toThem!["payload"]!["otherAgency"]!.GetValue<string>());
        Assert.Equal(ourReference, toThem["payload"]!["otherLeadReference"]!.GetValue<string>());
        Assert.Contains(theirReference, toThem["title"]!.GetValue<string>());

        // The same notification, under the same id, reaches 独山县's webhook.
        var pushed = await PlatformClient.EventuallyAsync(() =>
            Task.FromResult(receiver.Accepted.FirstOrDefault(w => w.Id == toThem["id"]!.GetValue<string>())), what: "the webhook");
        var cloudEvent = JsonNode.Parse(pushed!.Body)!;
        Assert.Equal("cn.jindu.cooperation.notification.deconfliction", cloudEvent["type"]!.GetValue<string>());
        Assert.Equal(ourReference, cloudEvent["data"]!["payload"]!["otherLeadReference"]!.GetValue<string>());

        // Exactly one each, and no other agency hears of it.
        Assert.Single(await DeconflictionsAsync("liaison.522722", ourReference));
        Assert.Single(await DeconflictionsAsync("liaison.522726", theirReference));
        foreach (var outsider in new[] { "liaison.522701", "supervisor.522700" })
        {
            var inbox = (await InboxAsync(outsider)).ToJsonString();
            Assert.DoesNotContain(ourReference, inbox);
            Assert.DoesNotContain(theirReference, inbox);
        }

        // Nothing of the subject in any form, nor of either lead's contents.
        var token = platform.Factory.Services.GetRequiredService<PersonalDataProtector>().Token(SubjectKind.Person, person);
        foreach (var text in new[] { toUs.ToJsonString(), toThem.ToJsonString(), pushed.Body })
        {
            Assert.DoesNotContain(person, text);
            Leaks.AssertNoTail(text, person);
            Assert.DoesNotContain("****", text);
            Assert.DoesNotContain(token, text);
            Assert.DoesNotContain(phone, text);
            Assert.DoesNotContain(Summary, text);
            Assert.DoesNotContain("heroin", text);
            Assert.DoesNotContain("methamphetamine", text);
        }
    }

    [Fact]
    public async Task The_same_event_delivered_twice_notifies_once()
    {
        var bus = platform.Factory.Services.GetRequiredService<IBus>();
        LeadsCorrelated Correlated(string reference) => new()
        {
            EventId = Guid.CreateVersion7(), OccurredAt = DateTimeOffset.UtcNow, ProducerAgency = "522701", RecipientAgency = "522701",
            RecipientLeadId = Guid.CreateVersion7(), RecipientLeadReference = reference, OtherAgency = "522722", OtherAgencyName = "荔波县",
            OtherLeadReference = "LB-X-1", Contact = "荔波县禁毒办", SubjectKind = "phone",
        };
        var twice = Correlated("DY-TWICE-" + Guid.NewGuid().ToString("N")[..6]);
        await bus.Publish(twice);
        await bus.Publish(twice);
        var after = Correlated("DY-AFTER-" + Guid.NewGuid().ToString("N")[..6]);
        await bus.Publish(after);

        await PlatformClient.EventuallyAsync(async () => (await DeconflictionsAsync("liaison.522701", after.RecipientLeadReference)).FirstOrDefault(),
            what: "the later notice");
        await PlatformClient.EventuallyAsync(async () => (await DeconflictionsAsync("liaison.522701", twice.RecipientLeadReference)).FirstOrDefault(),
            what: "the repeated notice");
        await Task.Delay(500);
        Assert.Single(await DeconflictionsAsync("liaison.522701", twice.RecipientLeadReference));
    }
}

using JinDu.Leads.Model;

namespace JinDu.UnitTests.Leads;

public class Who_sees_a_lead
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    private static Lead Of(string owner, SharingLevel level = SharingLevel.Internal, params LeadRecipient[] recipients) =>
        new() { OwnerAgency = owner, Sharing = level, Recipients = recipients.ToList() };

    [Fact]
    public void An_internal_lead_is_seen_by_no_other_agency()
    {
        var lead = Of("522722");
        Assert.False(LeadScope.IsSharedWith(lead, "522726", Now));
        Assert.False(LeadScope.IsSharedWith(lead, "522700", Now));
        Assert.False(LeadScope.IsSharedWith(lead, "522722", Now), "the owner sees it as owner, not as a recipient");
    }

    [Fact]
    public void A_prefecture_lead_is_seen_in_its_prefecture_only()
    {
        var lead = Of("522722", SharingLevel.Prefecture);
        Assert.True(LeadScope.IsSharedWith(lead, "522726", Now));
        Assert.True(LeadScope.IsSharedWith(lead, "522700", Now));
        Assert.False(LeadScope.IsSharedWith(lead, "520102", Now));
    }

    [Fact]
    public void A_named_recipient_sees_it_and_a_grant_only_until_it_expires()
    {
        var lead = Of("522722", SharingLevel.Partners,
            new LeadRecipient { Agency = "520102", Via = RecipientVia.Partners },
            new LeadRecipient { Agency = "530102", Via = RecipientVia.Grant, ExpiresAt = Now.AddMinutes(1) });
        Assert.True(LeadScope.IsSharedWith(lead, "520102", Now));
        Assert.False(LeadScope.IsSharedWith(lead, "522726", Now), "partners level is not prefecture level");
        Assert.True(LeadScope.IsSharedWith(lead, "530102", Now));
        Assert.False(LeadScope.IsSharedWith(lead, "530102", Now.AddMinutes(1)));
    }

    [Fact]
    public void The_database_query_and_the_in_memory_rule_agree()
    {
        var leads = new[]
        {
            Of("522722"), Of("522722", SharingLevel.Prefecture), Of("520102", SharingLevel.Prefecture),
            Of("522722", SharingLevel.Group, new LeadRecipient { Agency = "522726", Via = RecipientVia.Group }),
            Of("522701", SharingLevel.Internal, new LeadRecipient { Agency = "522726", Via = RecipientVia.Grant, ExpiresAt = Now.AddSeconds(-1) }),
        };
        var query = LeadScope.SharedWith("522726", Now).Compile();
        foreach (var lead in leads) Assert.Equal(LeadScope.IsSharedWith(lead, "522726", Now), query(lead));
    }

    [Theory]
    [InlineData(LeadSource.Tip, LeadStatus.New, false)]
    [InlineData(LeadSource.Tip, LeadStatus.Triaged, true)]
    [InlineData(LeadSource.Analyst, LeadStatus.New, true)]
    [InlineData(LeadSource.Checkpoint, LeadStatus.CaseOpened, true)]
    [InlineData(LeadSource.Checkpoint, LeadStatus.Closed, false)]
    public void Only_active_leads_are_watched_and_an_anonymous_tip_only_once_triaged(LeadSource source, LeadStatus status, bool watched)
    {
        var lead = new Lead { Source = source, Status = status };
        Assert.Equal(watched, LeadScope.IsWatched(lead));
        Assert.Equal(watched, LeadScope.Watched.Compile()(lead));
    }
}

using JinDu.Cooperation.Model;
using JinDu.Cooperation.Sharing;

namespace JinDu.UnitTests.Cooperation;

public sealed class SubscriptionFilterTests
{
    private static readonly NoticeFacts Shared = new(NoticeType.LeadShared, "522722", ["methamphetamine"], 3, ["tok-a", "tok-b"]);

    [Fact]
    public void An_unfiltered_subscription_takes_every_notice_of_its_types_and_no_other()
    {
        Assert.True(SubscriptionFilter.Matches(new Subscription { Types = [NoticeType.LeadShared] }, Shared));
        Assert.False(SubscriptionFilter.Matches(new Subscription { Types = [NoticeType.HouseholdNotice] }, Shared));
    }

    [Fact]
    public void Every_filter_given_must_hold()
    {
        var s = new Subscription { Types = [NoticeType.LeadShared], Substances = ["heroin"] };
        Assert.False(SubscriptionFilter.Matches(s, Shared));
        s.Substances = ["heroin", "methamphetamine"];
        Assert.True(SubscriptionFilter.Matches(s, Shared));
        s.MinSeverity = 4;
        Assert.False(SubscriptionFilter.Matches(s, Shared));
        s.MinSeverity = 3;
        Assert.True(SubscriptionFilter.Matches(s, Shared));
        s.WatchTokens = ["tok-z"];
        Assert.False(SubscriptionFilter.Matches(s, Shared));
        s.WatchTokens = ["tok-z", "tok-b"];
        Assert.True(SubscriptionFilter.Matches(s, Shared));
    }

    [Theory]
    [InlineData("522722", true)]
    [InlineData("522726", false)]
    [InlineData("522700", true)]
    [InlineData("520000", true)]
    [InlineData("530000", false)]
    public void Regions_are_counties_prefectures_or_provinces(string region, bool matches) =>
        Assert.Equal(matches, SubscriptionFilter.Matches(new Subscription { Types = [NoticeType.LeadShared], Regions = [region] }, Shared));
}

using JinDu.Contracts;
using JinDu.Cooperation.Model;
using JinDu.Cooperation.Sharing;

namespace JinDu.UnitTests.Cooperation;

/// <summary>The one place that decides what leaves for a recipient: by agreement, sharing level and handling code.</summary>
public sealed class RedactionPolicyTests
{
    private const string Libo = "522722", Dushan = "522726", Duyun = "522701", Qiannan = "522700";
    private const string Zunyi = "520302", ZunyiPrefecture = "520300", Kunming = "530102";

    private static AgreementTerms Terms(string a, string b, Disclosure d, params SharingLevel[] levels) => new(a, b, levels, d);

    [Theory]
    [InlineData(SharingLevel.Internal)]
    [InlineData(SharingLevel.Prefecture)]
    [InlineData(SharingLevel.Partners)]
    [InlineData(SharingLevel.Group)]
    public void The_owner_always_sees_its_own_lead_in_full(SharingLevel level) =>
        Assert.Equal(Disclosure.Full, RedactionPolicy.Decide(new SharingCase(Libo, Libo, level, HandlingCode.H0), []));

    [Fact]
    public void An_internal_lead_reaches_no_partner_whatever_the_agreement_says()
    {
        AgreementTerms[] generous = [Terms(Libo, Kunming, Disclosure.Full, SharingLevel.Partners, SharingLevel.Prefecture, SharingLevel.Group)];
        foreach (var recipient in new[] { Dushan, Qiannan, Kunming })
            Assert.Null(RedactionPolicy.Decide(new SharingCase(Libo, recipient, SharingLevel.Internal, HandlingCode.H0, GroupMembers: [recipient]), generous));
    }

    [Fact]
    public void A_prefecture_lead_reaches_the_prefecture_and_its_counties_as_tokens_only_without_an_agreement()
    {
        Assert.Equal(Disclosure.Tokens, RedactionPolicy.Decide(new SharingCase(Libo, Qiannan, SharingLevel.Prefecture, HandlingCode.H0), []));
        Assert.Equal(Disclosure.Tokens, RedactionPolicy.Decide(new SharingCase(Libo, Dushan, SharingLevel.Prefecture, HandlingCode.H0), []));
        Assert.Null(RedactionPolicy.Decide(new SharingCase(Libo, Zunyi, SharingLevel.Prefecture, HandlingCode.H0), []));
    }

    [Fact]
    public void A_partners_lead_needs_an_agreement_naming_partners_and_takes_its_disclosure()
    {
        var shared = new SharingCase(Libo, Kunming, SharingLevel.Partners, HandlingCode.H1);
        Assert.Null(RedactionPolicy.Decide(shared, []));
        Assert.Null(RedactionPolicy.Decide(shared, [Terms(Libo, Kunming, Disclosure.Full, SharingLevel.Group)]));
        Assert.Equal(Disclosure.Masked, RedactionPolicy.Decide(shared, [Terms(Kunming, Libo, Disclosure.Masked, SharingLevel.Partners)]));
    }

    [Fact]
    public void The_agreement_between_the_agencies_themselves_wins_over_one_between_their_prefectures()
    {
        AgreementTerms[] both =
        [
            Terms(ZunyiPrefecture, Qiannan, Disclosure.Full, SharingLevel.Partners),
            Terms(Libo, Zunyi, Disclosure.Tokens, SharingLevel.Partners),
        ];
        Assert.Equal(Disclosure.Tokens, RedactionPolicy.Decide(new SharingCase(Libo, Zunyi, SharingLevel.Partners, HandlingCode.H0), both));
        // Another county of the same prefectures falls under the prefectures' agreement.
        Assert.Equal(Disclosure.Full, RedactionPolicy.Decide(new SharingCase(Dushan, Zunyi, SharingLevel.Partners, HandlingCode.H0), both));
    }

    [Fact]
    public void A_group_lead_reaches_the_members_only()
    {
        var toMember = new SharingCase(Libo, Kunming, SharingLevel.Group, HandlingCode.H0, GroupMembers: [Kunming]);
        Assert.Equal(Disclosure.Tokens, RedactionPolicy.Decide(toMember, []));
        Assert.Equal(Disclosure.Masked, RedactionPolicy.Decide(toMember, [Terms(Libo, Kunming, Disclosure.Masked, SharingLevel.Group)]));
        Assert.Null(RedactionPolicy.Decide(toMember with { Recipient = Zunyi }, [Terms(Libo, Zunyi, Disclosure.Full, SharingLevel.Partners)]));
    }

    [Fact]
    public void A_group_lead_does_not_reach_a_county_of_the_owners_prefecture_outside_the_group()
    {
        var toNeighbour = new SharingCase(Libo, Dushan, SharingLevel.Group, HandlingCode.H0, GroupMembers: [Duyun]);
        Assert.Null(RedactionPolicy.Decide(toNeighbour, [Terms(Libo, Dushan, Disclosure.Full, SharingLevel.Partners, SharingLevel.Prefecture)]));
        Assert.Null(RedactionPolicy.Decide(toNeighbour with { Recipient = Qiannan }, []));
        Assert.Equal(Disclosure.Tokens, RedactionPolicy.Decide(toNeighbour with { Recipient = Duyun }, []));
    }

    [Fact]
    public void A_grant_makes_exactly_the_grantee_eligible_even_for_an_internal_lead()
    {
        var grant = new SharingCase(Libo, Kunming, SharingLevel.Internal, HandlingCode.H1, Granted: true);
        Assert.Equal(Disclosure.Tokens, RedactionPolicy.Decide(grant, []));
        // Without the owner's grant the same recipient gets nothing, nor does anyone else at that level.
        Assert.Null(RedactionPolicy.Decide(grant with { Granted = false }, []));
        Assert.Null(RedactionPolicy.Decide(grant with { Recipient = Dushan, Granted = false }, []));
        // A grant is eligibility, not disclosure: an agreement that does not name the level leaves tokens only.
        Assert.Equal(Disclosure.Tokens, RedactionPolicy.Decide(grant, [Terms(Libo, Kunming, Disclosure.Full, SharingLevel.Partners)]));
        // At a level the agreement names, the agreement's disclosure holds for a grantee as for anyone.
        Assert.Equal(Disclosure.Masked, RedactionPolicy.Decide(grant with { Level = SharingLevel.Partners },
            [Terms(Libo, Kunming, Disclosure.Masked, SharingLevel.Partners)]));
    }

    [Fact]
    public void H2_holds_against_a_grant_of_what_the_sharer_got_from_someone_else()
    {
        var onward = new SharingCase(Libo, Kunming, SharingLevel.Internal, HandlingCode.H2, OriginalOwner: Zunyi, Granted: true);
        Assert.Null(RedactionPolicy.Decide(onward, []));
        Assert.Equal(Disclosure.Tokens, RedactionPolicy.Decide(onward with { Handling = HandlingCode.H0 }, []));
    }

    [Fact]
    public void H2_stops_onward_sharing_of_what_the_sharer_got_from_someone_else()
    {
        AgreementTerms[] agreement = [Terms(Libo, Kunming, Disclosure.Masked, SharingLevel.Partners)];
        var onward = new SharingCase(Libo, Kunming, SharingLevel.Partners, HandlingCode.H2, OriginalOwner: Zunyi);
        Assert.Null(RedactionPolicy.Decide(onward, agreement));
        Assert.Equal(Disclosure.Masked, RedactionPolicy.Decide(onward with { Handling = HandlingCode.H1 }, agreement));
        Assert.Equal(Disclosure.Masked, RedactionPolicy.Decide(onward with { OriginalOwner = Libo }, agreement));
    }

    [Fact]
    public void A_revoked_agreement_is_simply_absent_and_nothing_leaves_under_partners()
    {
        // SharingRules passes active agreements only; the policy never sees revoked ones.
        Assert.Null(RedactionPolicy.Decide(new SharingCase(Duyun, Kunming, SharingLevel.Partners, HandlingCode.H0), []));
    }

    [Fact]
    public void Under_tokens_neither_plaintext_nor_the_masked_form_leaves()
    {
        OutgoingSubject[] subjects = [new(SubjectKind.Person, "tok-1", "5227**********001X", "52272619900307001X")];
        var tokens = RedactionPolicy.Apply(subjects, Disclosure.Tokens).Single();
        Assert.Equal(("tok-1", (string?)null, (string?)null), (tokens.Token, tokens.Masked, tokens.Value));
        Assert.DoesNotContain("001X", RedactionPolicy.Display(tokens));
        var masked = RedactionPolicy.Apply(subjects, Disclosure.Masked).Single();
        Assert.Equal(("5227**********001X", (string?)null), (masked.Masked, masked.Value));
        Assert.Equal("52272619900307001X", RedactionPolicy.Apply(subjects, Disclosure.Full).Single().Value);
    }

    [Fact]
    public void A_duty_notice_takes_the_agreement_disclosure_or_the_fallback()
    {
        Assert.Equal(Disclosure.Masked, RedactionPolicy.ForDuty(Libo, Dushan, [], Disclosure.Masked));
        Assert.Equal(Disclosure.Tokens, RedactionPolicy.ForDuty(Libo, Dushan, [Terms(Dushan, Libo, Disclosure.Tokens, SharingLevel.Partners)], Disclosure.Masked));
    }
}

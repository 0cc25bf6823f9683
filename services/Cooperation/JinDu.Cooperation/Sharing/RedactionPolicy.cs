using JinDu.BuildingBlocks.Divisions;
using JinDu.Contracts;
using JinDu.Cooperation.Model;

namespace JinDu.Cooperation.Sharing;

/// <summary>The terms of one active agreement as the policy needs them.</summary>
public sealed record AgreementTerms(string PartyA, string PartyB, IReadOnlyCollection<SharingLevel> Levels, Disclosure Disclosure);

/// <summary>
/// What is about to leave for one recipient: whose it is, at which level, under which handling code.
/// <paramref name="OriginalOwner"/> differs from <paramref name="Owner"/> when the sharer got it from someone else.
/// <paramref name="Granted"/>: the owner granted this recipient access by name (a request for access, 调阅申请, granted and
/// not expired) — the owner's explicit decision about this one agency, whatever the lead's level.
/// </summary>
public sealed record SharingCase(
    string Owner,
    string Recipient,
    SharingLevel Level,
    HandlingCode Handling,
    string? OriginalOwner = null,
    IReadOnlyCollection<string>? GroupMembers = null,
    bool Granted = false);

/// <summary>An identifier on its way out: the token always, the masked form and plaintext only if disclosure allows.</summary>
public sealed record OutgoingSubject(SubjectKind Kind, string Token, string? Masked, string? Plain = null);

/// <summary>An identifier as a recipient receives it.</summary>
public sealed record RedactedSubject(SubjectKind Kind, string Token, string? Masked, string? Value);

/// <summary>
/// The one place that decides what leaves for a recipient (DESIGN.md §3): by agreement, sharing level and
/// handling code. Pure, so every rule is tested on its own; <see cref="SharingRules"/> feeds it from the database.
/// <list type="bullet">
/// <item>An <c>internal</c> lead reaches nobody by its level; only an agency the owner granted access by name.</item>
/// <item><c>H2</c> (no onward sharing without consent): what the sharer received from someone else does not go on,
/// not even to a grantee.</item>
/// <item><c>prefecture</c>: the owner's prefecture and the counties in it; <c>partners</c>: those too, and agencies with
/// an agreement naming <c>partners</c>; <c>group</c>: the members of the group, and nobody else.</item>
/// <item>A grant makes exactly the grantee eligible, at any level.</item>
/// <item>Disclosure is the agreement's (the most specific one: agency to agency before prefecture to agency before
/// prefecture to prefecture) when it names the level, otherwise <c>tokens</c>: without an agreement no plaintext leaves.</item>
/// </list>
/// </summary>
public static class RedactionPolicy
{
    /// <returns>The disclosure for this recipient, or null when nothing may leave for it.</returns>
    public static Disclosure? Decide(SharingCase c, IReadOnlyCollection<AgreementTerms> agreements)
    {
        if (c.Recipient == c.Owner) return Disclosure.Full;
        if (c.Handling == HandlingCode.H2 && c.OriginalOwner is { } original && original != c.Owner) return null;
        if (c.Level == SharingLevel.Internal && !c.Granted) return null;

        var agreement = MostSpecific(c.Owner, c.Recipient, agreements);
        var samePrefecture = SamePrefecture(c.Owner, c.Recipient);
        var eligible = c.Granted || c.Level switch
        {
            SharingLevel.Prefecture => samePrefecture,
            SharingLevel.Partners => samePrefecture || agreement?.Levels.Contains(SharingLevel.Partners) == true,
            SharingLevel.Group => c.GroupMembers?.Contains(c.Recipient) == true,
            _ => false,
        };
        if (!eligible) return null;
        return agreement is not null && agreement.Levels.Contains(c.Level) ? agreement.Disclosure : Disclosure.Tokens;
    }

    /// <summary>
    /// A notice the platform owes someone whatever the owner's sharing choices (a household-county notice):
    /// the agreement's disclosure when there is one, otherwise <paramref name="fallback"/>.
    /// </summary>
    public static Disclosure ForDuty(string from, string to, IReadOnlyCollection<AgreementTerms> agreements, Disclosure fallback) =>
        MostSpecific(from, to, agreements)?.Disclosure ?? fallback;

    /// <summary>The identifiers as this disclosure lets them leave: under tokens, no plaintext and no masked form either.</summary>
    public static IReadOnlyList<RedactedSubject> Apply(IEnumerable<OutgoingSubject> subjects, Disclosure disclosure) =>
        subjects.Select(s => disclosure switch
        {
            Disclosure.Full => new RedactedSubject(s.Kind, s.Token, s.Masked, s.Plain),
            Disclosure.Masked => new RedactedSubject(s.Kind, s.Token, s.Masked, null),
            _ => new RedactedSubject(s.Kind, s.Token, null, null),
        }).ToList();

    /// <summary>How one identifier may be named in a title or text for this recipient.</summary>
    public static string Display(RedactedSubject s) => s.Value ?? s.Masked ?? $"{s.Kind.ToString().ToLowerInvariant()} #{s.Token[..Math.Min(8, s.Token.Length)]}";

    public static AgreementTerms? MostSpecific(string owner, string recipient, IReadOnlyCollection<AgreementTerms> agreements)
    {
        var ownerPrefecture = Prefecture(owner);
        var recipientPrefecture = Prefecture(recipient);
        (string, string)[] pairs =
        [
            (owner, recipient),
            (owner, recipientPrefecture),
            (ownerPrefecture, recipient),
            (ownerPrefecture, recipientPrefecture),
        ];
        foreach (var (x, y) in pairs)
        {
            if (x == y) continue;
            var found = agreements.FirstOrDefault(a => (a.PartyA == x && a.PartyB == y) || (a.PartyA == y && a.PartyB == x));
            if (found is not null) return found;
        }
        return null;
    }

    private static string Prefecture(string code) => DivisionCatalog.PrefectureOf(code);

    private static bool SamePrefecture(string a, string b) => Prefecture(a) == Prefecture(b);
}

using JinDu.BuildingBlocks.Divisions;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Sharing;

/// <summary>
/// A lead offered to others (LeadShared's consumer builds one of these): a pointer, categories, the subjects as tokens
/// and masked values (none, for LeadShared: only their kinds), and the owner's sharing choices.
/// <paramref name="AddressedTo"/> names recipients the event itself addresses (the owner's prefecture, named partners
/// or group members, a grantee); the group's members and subscribers whose filters match are added (not to a grant).
/// At group level the members are the Cooperation group <paramref name="Group"/> (by id) or the owner's group called
/// <paramref name="GroupName"/>; without either, the agencies addressed are the group.
/// <paramref name="GrantedTo"/> makes this a grant (调阅 granted until <paramref name="ExpiresAt"/>): only those agencies,
/// eligible by the owner's decision, and only until it expires.
/// </summary>
public sealed record LeadOffer(
    Guid SourceEventId,
    NoticeType Type,
    string Owner,
    SharingLevel Level,
    HandlingCode Handling,
    Guid LeadId,
    string Reference,
    string Category,
    int Severity,
    IReadOnlyList<string> Substances,
    IReadOnlyList<OutgoingSubject> Subjects,
    string Contact,
    IReadOnlyCollection<string> AddressedTo,
    string? HandlingConditions = null,
    Guid? Group = null,
    string? OriginalOwner = null,
    string? GroupName = null,
    IReadOnlyCollection<string>? GrantedTo = null,
    DateTimeOffset? ExpiresAt = null,
    IReadOnlyList<string>? SubjectKinds = null);

/// <summary>What a recipient of a lead notice receives: a pointer and only what the sharing rules let through.</summary>
public sealed record LeadNotice(
    Guid LeadId,
    string Reference,
    string OwnerAgency,
    string OwnerAgencyName,
    string Contact,
    string Category,
    int Severity,
    IReadOnlyList<string> Substances,
    string SharingLevel,
    string Handling,
    string? HandlingConditions,
    string Disclosure,
    IReadOnlyList<RedactedSubject> Subjects,
    IReadOnlyList<string>? SubjectKinds = null,
    DateTimeOffset? ExpiresAt = null);

/// <summary>Routes a lead offer to its recipients through <see cref="RedactionPolicy"/>, in the caller's unit of work.</summary>
public sealed class NoticeRouter(CooperationDbContext db, SharingRules rules, NotificationWriter writer, DivisionCatalog divisions, TimeProvider time,
    ILogger<NoticeRouter> log)
{
    /// <summary>The level a grant's notice shows: a grant is a decision about one agency, not a level.</summary>
    public const string GrantLevel = "grant";

    /// <returns>The agencies notified.</returns>
    public async Task<IReadOnlyList<string>> OfferAsync(LeadOffer offer, CancellationToken ct)
    {
        var grant = offer.GrantedTo is not null;
        // Subscribers are added at prefecture level only: that is the one level at which Leads lets agencies that were
        // not named open the lead (LeadScope.SharedWith). A notice to anyone else would point at a lead that answers 404.
        var subscribed = Enumerable.Empty<string>();
        if (!grant && offer.Level == SharingLevel.Prefecture)
        {
            var facts = new NoticeFacts(offer.Type, offer.Owner, offer.Substances, offer.Severity, offer.Subjects.Select(s => s.Token).ToList());
            subscribed = (await db.Subscriptions.AsNoTracking().Where(s => s.Types.Contains(offer.Type)).ToListAsync(ct))
                .Where(s => SubscriptionFilter.Matches(s, facts)).Select(s => s.Agency);
        }
        var members = offer.Level != SharingLevel.Group ? []
            : offer.Group is not null ? await rules.GroupMembersAsync(offer.Group, ct)
            : offer.GroupName is not null && await rules.GroupMembersAsync(offer.Owner, offer.GroupName, ct) is { } named ? named
            : offer.AddressedTo;
        // At group level the named agencies are the candidates (only they can open the lead); the policy withholds
        // those outside the group.
        var candidates = offer.AddressedTo.Concat(subscribed).Where(a => a != offer.Owner).Distinct().Order(StringComparer.Ordinal).ToList();
        var grantLive = offer.ExpiresAt is not { } expires || expires > time.GetUtcNow();
        var ownerName = divisions.Find(offer.Owner)?.Name ?? offer.Owner;
        var notified = new List<string>();
        foreach (var recipient in candidates)
        {
            var granted = grantLive && offer.GrantedTo?.Contains(recipient) == true;
            var disclosure = await rules.DecideAsync(
                new SharingCase(offer.Owner, recipient, offer.Level, offer.Handling, offer.OriginalOwner, members, granted), ct);
            if (disclosure is not { } d)
            {
                log.LogInformation("Lead {Reference} ({Level}{Grant}) withheld from {Recipient}: the sharing rules do not reach it",
                    offer.Reference, offer.Level, grant ? ", grant" : "", recipient);
                continue;
            }
            var notice = new LeadNotice(offer.LeadId, offer.Reference, offer.Owner, ownerName, offer.Contact, offer.Category, offer.Severity,
                offer.Substances, grant ? GrantLevel : Text(offer.Level), offer.Handling.ToString(), offer.HandlingConditions, Text(d),
                RedactionPolicy.Apply(offer.Subjects, d), offer.SubjectKinds, offer.ExpiresAt);
            var title = grant
                ? $"{ownerName}：线索 {offer.Reference}（{offer.Category}）已授权贵单位调阅" + (offer.ExpiresAt is { } until ? $"，至 {until.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "")
                : $"{ownerName}：线索 {offer.Reference}（{offer.Category}）";
            await writer.AddAsync(recipient, NoticeTypes.InboxType(offer.Type), title, notice, offer.SourceEventId, offer.Owner, ct);
            notified.Add(recipient);
        }
        return notified;
    }

    private static string Text<T>(T value) where T : struct, Enum => JinDu.BuildingBlocks.Hosting.EnumText.Of(value);
}

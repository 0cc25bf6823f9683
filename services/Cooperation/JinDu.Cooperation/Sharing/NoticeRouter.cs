using JinDu.BuildingBlocks.Divisions;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Sharing;

/// <summary>
/// A lead offered to others (LeadShared, LeadsCorrelated, hit confirmations — their consumers build one of these):
/// a pointer, categories, the subjects as tokens and masked values, and the owner's sharing choices.
/// <paramref name="AddressedTo"/> names recipients the event itself addresses (the other owner of a correlation);
/// subscribers whose filters match are added.
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
    string? OriginalOwner = null);

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
    IReadOnlyList<RedactedSubject> Subjects);

/// <summary>Routes a lead offer to its recipients through <see cref="RedactionPolicy"/>, in the caller's unit of work.</summary>
public sealed class NoticeRouter(CooperationDbContext db, SharingRules rules, NotificationWriter writer, DivisionCatalog divisions, ILogger<NoticeRouter> log)
{
    /// <returns>The agencies notified.</returns>
    public async Task<IReadOnlyList<string>> OfferAsync(LeadOffer offer, CancellationToken ct)
    {
        var facts = new NoticeFacts(offer.Type, offer.Owner, offer.Substances, offer.Severity, offer.Subjects.Select(s => s.Token).ToList());
        var subscribed = (await db.Subscriptions.AsNoTracking().Where(s => s.Types.Contains(offer.Type)).ToListAsync(ct))
            .Where(s => SubscriptionFilter.Matches(s, facts)).Select(s => s.Agency);
        var candidates = offer.AddressedTo.Concat(subscribed).Where(a => a != offer.Owner).Distinct().Order(StringComparer.Ordinal).ToList();
        var members = offer.Level == SharingLevel.Group ? await rules.GroupMembersAsync(offer.Group, ct) : [];
        var ownerName = divisions.Find(offer.Owner)?.Name ?? offer.Owner;
        var notified = new List<string>();
        foreach (var recipient in candidates)
        {
            var disclosure = await rules.DecideAsync(new SharingCase(offer.Owner, recipient, offer.Level, offer.Handling, offer.OriginalOwner, members), ct);
            if (disclosure is not { } d)
            {
                log.LogInformation("Lead {Reference} ({Level}) withheld from {Recipient}: the sharing rules do not reach it", offer.Reference, offer.Level, recipient);
                continue;
            }
            var notice = new LeadNotice(offer.LeadId, offer.Reference, offer.Owner, ownerName, offer.Contact, offer.Category, offer.Severity,
                offer.Substances, Text(offer.Level), offer.Handling.ToString(), offer.HandlingConditions, Text(d), RedactionPolicy.Apply(offer.Subjects, d));
            await writer.AddAsync(recipient, NoticeTypes.InboxType(offer.Type), $"{ownerName}：线索 {offer.Reference}（{offer.Category}）", notice,
                offer.SourceEventId, offer.Owner, ct);
            notified.Add(recipient);
        }
        return notified;
    }

    private static string Text<T>(T value) where T : struct, Enum => JinDu.BuildingBlocks.Hosting.EnumText.Of(value);
}

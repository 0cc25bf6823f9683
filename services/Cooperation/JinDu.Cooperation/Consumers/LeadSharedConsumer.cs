using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using JinDu.Cooperation.Sharing;
using JinDu.Leads.Contracts.Events;
using MassTransit;

namespace JinDu.Cooperation.Consumers;

/// <summary>
/// 分享: Leads decides whom an owner shares a lead with; this turns its <see cref="LeadShared"/> into a
/// <see cref="LeadOffer"/> and lets <see cref="NoticeRouter"/> and <see cref="RedactionPolicy"/> decide, recipient by
/// recipient, what leaves — in one transaction with the inbox record, so a redelivered event notifies nobody twice.
/// <list type="bullet">
/// <item><c>prefecture</c>: addressed to the owner's prefecture agency (code ending 00), plus matching subscribers.</item>
/// <item><c>partners</c>: the named agencies plus matching subscribers, each still checked by the policy.</item>
/// <item><c>group</c>: the owner's Cooperation sharing group of that name, when there is one (named agencies outside it
/// are withheld); otherwise the named agencies are the group.</item>
/// <item><c>grant</c> (a request for access the owner granted): only the grantee, until the grant expires.</item>
/// <item><c>internal</c>, or a level not known here: nobody.</item>
/// </list>
/// The event carries no subject values, masks or tokens — only their kinds — and neither does the notice.
/// </summary>
public sealed class LeadSharedConsumer(NoticeBatches batches, NoticeRouter router, DivisionCatalog divisions,
    ILogger<LeadSharedConsumer> log) : IConsumer<LeadShared>
{
    public Task Consume(ConsumeContext<LeadShared> context) =>
        batches.ApplyAsync([context.Message], nameof(LeadSharedConsumer), x => x.EventId, async (e, ct) =>
        {
            if (divisions.Find(e.OwnerAgency) is null || !EnumText.TryParse<HandlingCode>(e.HandlingCode, out var handling))
            {
                log.LogWarning("LeadShared {EventId} of lead {Reference}: owner {Owner} or handling code {Handling} not understood; nobody notified",
                    e.EventId, e.Reference, e.OwnerAgency, e.HandlingCode);
                return;
            }
            var grant = e.Level == NoticeRouter.GrantLevel;
            SharingLevel level;
            if (grant) level = SharingLevel.Internal; // a grant widens no level: only the grantee, by the owner's decision
            else if (!EnumText.TryParse(e.Level, out level) || level == SharingLevel.Internal)
            {
                log.LogWarning("LeadShared {EventId} of lead {Reference} at level {Level}: nothing leaves", e.EventId, e.Reference, e.Level);
                return;
            }
            var named = new List<string>();
            foreach (var agency in e.RecipientAgencies.Distinct())
            {
                if (divisions.Find(agency) is null) log.LogWarning("LeadShared {EventId} of lead {Reference}: {Agency} is not an agency; skipped", e.EventId, e.Reference, agency);
                else named.Add(agency);
            }
            // At prefecture level: the prefecture the event names (the policy still checks it is the owner's), else the owner's.
            var prefecture = e.Prefecture is { } p && divisions.Find(p) is not null ? p : DivisionCatalog.PrefectureOf(e.OwnerAgency);
            var addressed = level == SharingLevel.Prefecture ? [prefecture] : named;
            var groupName = level == SharingLevel.Group ? e.GroupName : null;
            var offer = new LeadOffer(e.EventId, NoticeType.LeadShared, e.OwnerAgency, level, handling, e.LeadId, e.Reference, e.Source,
                e.Severity, e.Substances, [], e.Contact, addressed, e.HandlingConditions, GroupName: groupName,
                GrantedTo: grant ? named : null, ExpiresAt: e.ExpiresAt, SubjectKinds: e.SubjectKinds);
            var notified = await router.OfferAsync(offer, ct);
            log.LogInformation("Lead {Reference} shared by {Owner} ({Level}): {Count} agencies notified", e.Reference, e.OwnerAgency, e.Level, notified.Count);
        }, context.CancellationToken);
}

using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using JinDu.Leads.Contracts.Events;
using MassTransit;

namespace JinDu.Cooperation.Consumers;

/// <summary>
/// What an owner is told when another lead (of another agency, or its own) shares a subject with one of its leads:
/// its own lead, the other agency, its name, its lead reference, whom to call there and the kind of subject — never the
/// subject's value, mask or token, nor anything else of the other lead.
/// </summary>
public sealed record DeconflictionNotice(
    Guid LeadId,
    string LeadReference,
    string OtherAgency,
    string OtherAgencyName,
    string OtherLeadReference,
    string Contact,
    string SubjectKind);

/// <summary>
/// 冲突提示: Leads publishes one <see cref="LeadsCorrelated"/> per owner; each becomes one <c>deconfliction</c> notice in
/// that owner's stream (inbox, server-sent events, gRPC, webhook), in one transaction with the inbox record, so the
/// same event delivered twice notifies once. The notice concerns the recipient's own lead and is owed whatever its
/// subscriptions say, so it is neither filtered by them nor sent to anyone else.
/// </summary>
public sealed class DeconflictionNoticeConsumer(NotificationWriter writer, NoticeBatches batches, DivisionCatalog divisions,
    ILogger<DeconflictionNoticeConsumer> log) : IConsumer<LeadsCorrelated>
{
    public static readonly string NoticeType = NoticeTypes.InboxType(Model.NoticeType.Deconfliction);

    /// <summary>The inbox name of this consumer's events, whichever path (batch or single) applies them.</summary>
    public const string InboxName = nameof(DeconflictionNoticeConsumer);

    public Task Consume(ConsumeContext<LeadsCorrelated> context) =>
        batches.ApplyAsync([context.Message], InboxName, e => e.EventId, ApplyAsync, context.CancellationToken);

    /// <summary>One event's notice, in the caller's unit of work (single or batch).</summary>
    public async Task ApplyAsync(LeadsCorrelated e, CancellationToken ct)
    {
        if (divisions.Find(e.RecipientAgency) is null || divisions.Find(e.OtherAgency) is null)
        {
            log.LogWarning("Deconfliction {EventId}: recipient {Recipient} or other agency {Other} is not a known division; nobody notified",
                e.EventId, e.RecipientAgency, e.OtherAgency);
            return;
        }
        var notice = new DeconflictionNotice(e.RecipientLeadId, e.RecipientLeadReference, e.OtherAgency, e.OtherAgencyName,
            e.OtherLeadReference, e.Contact, e.SubjectKind);
        var title = $"冲突提示：贵单位线索 {e.RecipientLeadReference} 与{e.OtherAgencyName}线索 {e.OtherLeadReference} 涉及同一{KindText(e.SubjectKind)}，请联系{e.Contact}";
        await writer.AddAsync(e.RecipientAgency, NoticeType, title, notice, e.EventId, e.ProducerAgency, ct);
        log.LogDebug("Deconfliction notice to {Recipient}: lead {Reference} meets {Other}'s {OtherReference} on a {Kind}",
            e.RecipientAgency, e.RecipientLeadReference, e.OtherAgency, e.OtherLeadReference, e.SubjectKind);
    }

    private static string KindText(string kind) => kind switch
    {
        "person" => "人员",
        "vehicle" => "车辆",
        "phone" => "手机号",
        "parcel" => "包裹",
        "address" => "地址",
        _ => "对象",
    };
}

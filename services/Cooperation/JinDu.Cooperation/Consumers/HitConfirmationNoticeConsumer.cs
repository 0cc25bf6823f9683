using JinDu.BuildingBlocks.Divisions;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using JinDu.Leads.Contracts.Events;
using MassTransit;

namespace JinDu.Cooperation.Consumers;

/// <summary>What a lead's owner is told when a hit elsewhere matches it, and its prefecture when nobody answered in time.</summary>
public sealed record HitConfirmationNotice(
    Guid TaskId,
    Guid? LeadId,
    string LeadReference,
    string OwnerAgency,
    string HitAgency,
    string HitAgencyName,
    string Contact,
    string? HitSource,
    string Urgency,
    DateTimeOffset DueAt,
    bool Overdue);

/// <summary>
/// 比中核实 through every channel: each HitConfirmationRequested becomes a <c>hit_confirmation</c> notice to the lead's
/// owner (owed whatever its subscriptions say: the clock runs), each HitConfirmationOverdue a
/// <c>hit_confirmation_overdue</c> notice to the owner's prefecture. Pointers only, as the events are; one notice per event.
/// </summary>
public sealed class HitConfirmationNoticeConsumer(NotificationWriter writer, NoticeBatches batches, DivisionCatalog divisions,
    ILogger<HitConfirmationNoticeConsumer> log) : IConsumer<HitConfirmationRequested>, IConsumer<HitConfirmationOverdue>
{
    public static readonly string RequestedType = NoticeTypes.InboxType(NoticeType.HitConfirmation);
    public static readonly string OverdueType = NoticeTypes.InboxType(NoticeType.HitConfirmationOverdue);

    /// <summary>The inbox name of this consumer's events, whichever path (batch or single) applies them.</summary>
    public const string InboxName = nameof(HitConfirmationNoticeConsumer);

    public Task Consume(ConsumeContext<HitConfirmationRequested> context) =>
        batches.ApplyAsync([context.Message], InboxName, e => e.EventId, ApplyAsync, context.CancellationToken);

    public Task Consume(ConsumeContext<HitConfirmationOverdue> context) =>
        batches.ApplyAsync([context.Message], InboxName, e => e.EventId, ApplyAsync, context.CancellationToken);

    /// <summary>One event's notice, in the caller's unit of work (single or batch).</summary>
    public Task ApplyAsync(HitConfirmationRequested e, CancellationToken ct)
    {
        var notice = new HitConfirmationNotice(e.TaskId, e.LeadId, e.LeadReference, e.OwnerAgency, e.HitAgency, Name(e.HitAgency), e.HitContact,
            e.HitSource, e.Urgency, e.DueAt, Overdue: false);
        var title = $"比中核实（{(e.Urgency == "urgent" ? "紧急，10分钟内" : "1小时内")}）：{Name(e.HitAgency)}比中贵单位线索 {e.LeadReference}，请联系{e.HitContact}";
        return NotifyAsync(e.EventId, e.OwnerAgency, RequestedType, title, notice, e.ProducerAgency, ct);
    }

    /// <summary>One event's notice, in the caller's unit of work (single or batch).</summary>
    public Task ApplyAsync(HitConfirmationOverdue e, CancellationToken ct)
    {
        var notice = new HitConfirmationNotice(e.TaskId, null, e.LeadReference, e.OwnerAgency, e.HitAgency, Name(e.HitAgency),
            divisions.ContactOf(e.OwnerAgency), null, e.Urgency, e.DueAt, Overdue: true);
        var title = $"比中核实超时：{Name(e.OwnerAgency)}线索 {e.LeadReference} 被{Name(e.HitAgency)}比中，未在 {e.DueAt:yyyy-MM-dd HH:mm} UTC 前核实";
        return NotifyAsync(e.EventId, e.EscalateTo, OverdueType, title, notice, e.ProducerAgency, ct);
    }

    private async Task NotifyAsync(Guid eventId, string recipient, string type, string title, HitConfirmationNotice notice, string source, CancellationToken ct)
    {
        if (divisions.Find(recipient) is null)
        {
            log.LogWarning("Hit confirmation {EventId}: recipient {Recipient} is not a known division; nobody notified", eventId, recipient);
            return;
        }
        await writer.AddAsync(recipient, type, title, notice, eventId, source, ct);
        log.LogDebug("Hit confirmation notice ({Type}) to {Recipient} for lead {Reference}", type, recipient, notice.LeadReference);
    }

    private string Name(string agency) => divisions.Find(agency)?.Name ?? agency;
}

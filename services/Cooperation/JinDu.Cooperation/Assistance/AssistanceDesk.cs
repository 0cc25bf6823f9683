using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Cooperation.Contracts.Events;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;

namespace JinDu.Cooperation.Assistance;

/// <summary>What a party's inbox (and webhook) is told about a request: a pointer; the question and answer stay behind the API.</summary>
public sealed record AssistanceNotice(
    Guid RequestId,
    string LeadReference,
    string RequestingAgency,
    string RequestingAgencyName,
    string AssistingAgency,
    string AssistingAgencyName,
    string Priority,
    IReadOnlyList<string> RequestedActions,
    DateTimeOffset Deadline,
    string Status,
    string? EscalatedTo = null);

/// <summary>
/// The events and notices of a request's life, added to the caller's unit of work: requested → a notice to B;
/// answered or declined → a notice to A; overdue → a notice to B and to B's prefecture.
/// </summary>
public sealed class AssistanceDesk(CooperationDbContext db, NotificationWriter writer, DivisionCatalog divisions, CooperationClock clock)
{
    /// <summary>Urgent requests are due in 8 hours, normal ones in 3 days, unless the requester names a deadline.</summary>
    public static TimeSpan DefaultTime(AssistancePriority p) => p == AssistancePriority.Urgent ? TimeSpan.FromHours(8) : TimeSpan.FromDays(3);

    private string Name(string code) => divisions.Find(code)?.Name ?? code;

    private AssistanceNotice Notice(AssistanceRequest r) =>
        new(r.PublicId, r.LeadReference, r.RequestingAgency, Name(r.RequestingAgency), r.AssistingAgency, Name(r.AssistingAgency),
            EnumText.Of(r.Priority), r.RequestedActions, r.Deadline, EnumText.Of(r.Status), r.EscalatedTo);

    public async Task RequestedAsync(AssistanceRequest r, CancellationToken ct)
    {
        var evt = new AssistanceRequested
        {
            EventId = Guid.CreateVersion7(), OccurredAt = clock.Now, ProducerAgency = r.RequestingAgency, RequestId = r.PublicId,
            RequestingAgency = r.RequestingAgency, AssistingAgency = r.AssistingAgency, LeadId = r.LeadId, LeadReference = r.LeadReference,
            Priority = EnumText.Of(r.Priority), RequestedActions = r.RequestedActions, Deadline = r.Deadline,
        };
        db.OutboxMessages.Add(OutboxMessage.From(evt));
        var urgent = r.Priority == AssistancePriority.Urgent ? "（紧急）" : "";
        await writer.AddAsync(r.AssistingAgency, NoticeTypes.InboxType(NoticeType.AssistanceRequested),
            $"协查请求{urgent}：{Name(r.RequestingAgency)}请求协查线索 {r.LeadReference}，期限 {r.Deadline:yyyy-MM-dd HH:mm} UTC",
            Notice(r), evt.EventId, r.RequestingAgency, ct);
    }

    public async Task RespondedAsync(AssistanceRequest r, int findings, CancellationToken ct)
    {
        var outcome = EnumText.Of(r.Status);
        var evt = new AssistanceAnswered
        {
            EventId = Guid.CreateVersion7(), OccurredAt = clock.Now, ProducerAgency = r.AssistingAgency, RequestId = r.PublicId,
            RequestingAgency = r.RequestingAgency, AssistingAgency = r.AssistingAgency, LeadReference = r.LeadReference,
            Outcome = outcome, FindingCount = findings, OnTime = r.RespondedAt <= r.Deadline,
        };
        db.OutboxMessages.Add(OutboxMessage.From(evt));
        var verb = r.Status == AssistanceStatus.Declined ? "拒绝了" : "答复了";
        await writer.AddAsync(r.RequestingAgency, NoticeTypes.InboxType(NoticeType.AssistanceAnswered),
            $"协查{(r.Status == AssistanceStatus.Declined ? "拒绝" : "答复")}：{Name(r.AssistingAgency)}{verb}线索 {r.LeadReference} 的协查请求",
            Notice(r), evt.EventId, r.AssistingAgency, ct);
    }

    public async Task OverdueAsync(AssistanceRequest r, CancellationToken ct)
    {
        var prefecture = DivisionCatalog.PrefectureOf(r.AssistingAgency);
        r.EscalatedAt = clock.Now;
        r.EscalatedTo = prefecture;
        r.Version++;
        var evt = new AssistanceOverdue
        {
            EventId = Guid.CreateVersion7(), OccurredAt = clock.Now, ProducerAgency = r.AssistingAgency, RequestId = r.PublicId,
            RequestingAgency = r.RequestingAgency, AssistingAgency = r.AssistingAgency, EscalatedTo = prefecture,
            LeadReference = r.LeadReference, Deadline = r.Deadline,
        };
        db.OutboxMessages.Add(OutboxMessage.From(evt));
        var title = $"协查超期：{Name(r.AssistingAgency)}未在期限（{r.Deadline:yyyy-MM-dd HH:mm} UTC）内答复{Name(r.RequestingAgency)}关于线索 {r.LeadReference} 的协查请求";
        foreach (var recipient in new[] { prefecture, r.AssistingAgency }.Distinct())
            await writer.AddAsync(recipient, NoticeTypes.InboxType(NoticeType.AssistanceOverdue), title, Notice(r), evt.EventId, r.AssistingAgency, ct);
    }
}

using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Consumers;
using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Correlation;

/// <summary>
/// 比中核实: a screening flag in one agency that matches an active lead of another agency gives that lead's
/// owner a task to confirm or deny, due in 10 minutes when someone is standing at a checkpoint or the lead is
/// serious (severity 4 or 5), in an hour otherwise. The hit's agency is the checkpoint's, or for a parcel the
/// outlet's county (a watchlisted parcel's flag is already addressed to the lead's owner).
/// </summary>
public sealed class HitTasks(LeadsDbContext db, LeadsClock clock, DivisionCatalog divisions, ILogger<HitTasks> log)
{
    // Where each task built in this unit of work came from, for its announcement (the task itself does not keep it).
    private readonly Dictionary<Guid, LeadSource> _sources = [];

    /// <summary>At most this many owners get a task for one hit.</summary>
    public const int MaxOwners = 100;

    public async Task OpenForAsync(FlagToLeadConsumer.Flag flag, CancellationToken ct)
    {
        var tokens = flag.Subjects.Select(s => s.Token).Distinct().ToList();
        var owners = await db.Leads.AsNoTracking()
            .Where(LeadScope.Watched)
            .Where(l => l.OwnerAgency != flag.HitAgency && l.Subjects.Any(s => tokens.Contains(s.Token)))
            .Select(l => new { l.Id, l.PublicId, l.Reference, l.OwnerAgency, l.Severity })
            .Take(MaxOwners)
            .ToListAsync(ct);
        var hitId = HitIdOf(flag);
        foreach (var lead in owners)
        {
            if (await db.HitTasks.AnyAsync(t => t.LeadId == lead.Id && t.HitId == hitId, ct)) continue;
            Add(For(flag, lead.Id, lead.PublicId, lead.Reference, lead.OwnerAgency, lead.Severity));
        }
    }

    /// <summary>The hit a task is about: the inspection, or for a parcel the flag itself.</summary>
    public static Guid HitIdOf(FlagToLeadConsumer.Flag flag) => flag.SourceId ?? flag.EventId;

    /// <summary>Whether the flag is a hit on <paramref name="lead"/> (judged on the lead's state in this unit of work).</summary>
    public static bool IsHitOn(FlagToLeadConsumer.Flag flag, Lead lead) =>
        lead.OwnerAgency != flag.HitAgency && LeadScope.IsWatched(lead) && lead.Subjects.Any(s => flag.Subjects.Any(f => f.Token == s.Token));

    /// <summary>A new open task for the owner of a lead the flag hit; <paramref name="leadId"/> may be set later, once the lead is saved.</summary>
    public HitConfirmationTask For(FlagToLeadConsumer.Flag flag, long leadId, Guid leadPublicId, string leadReference, string ownerAgency, int severity)
    {
        var now = clock.Now;
        var urgency = flag.Source == LeadSource.Checkpoint || severity >= 4 ? HitUrgency.Urgent : HitUrgency.Routine;
        var task = new HitConfirmationTask
        {
            PublicId = Guid.CreateVersion7(),
            OwnerAgency = ownerAgency,
            LeadId = leadId,
            LeadPublicId = leadPublicId,
            LeadReference = leadReference,
            HitId = HitIdOf(flag),
            HitAgency = flag.HitAgency,
            HitDescription = flag.Detail.Length > 300 ? flag.Detail[..300] : flag.Detail,
            Urgency = urgency,
            Status = HitTaskStatus.Open,
            CreatedAt = now,
            DueAt = now + (urgency == HitUrgency.Urgent ? HitConfirmationTask.UrgentWithin : HitConfirmationTask.RoutineWithin),
        };
        log.LogInformation("Hit on lead {Reference} from {Agency}: {Urgency} confirmation task due {DueAt:O}", leadReference, flag.HitAgency, urgency, task.DueAt);
        _sources[task.PublicId] = flag.Source;
        return task;
    }

    /// <summary>
    /// Stores a task and announces it in the same unit of work: HitConfirmationRequested, a pointer to the owner's lead
    /// with the clock, which Cooperation delivers to the owner through its channels.
    /// </summary>
    public void Add(HitConfirmationTask task)
    {
        db.HitTasks.Add(task);
        db.OutboxMessages.Add(OutboxMessage.From(new HitConfirmationRequested
        {
            EventId = Guid.CreateVersion7(),
            OccurredAt = task.CreatedAt,
            ProducerAgency = task.OwnerAgency,
            TaskId = task.PublicId,
            LeadId = task.LeadPublicId,
            LeadReference = task.LeadReference,
            OwnerAgency = task.OwnerAgency,
            HitAgency = task.HitAgency,
            HitContact = divisions.ContactOf(task.HitAgency),
            HitSource = EnumText.Of(_sources.GetValueOrDefault(task.PublicId, LeadSource.Checkpoint)),
            Urgency = EnumText.Of(task.Urgency),
            DueAt = task.DueAt,
        }));
    }
}

/// <summary>
/// Escalates hit-confirmation tasks left unanswered past their deadline: once each, to the owner's prefecture
/// (HitConfirmationOverdue), with a timeline entry on the lead. Checks every few seconds against the leads clock.
/// </summary>
public sealed class HitTaskEscalator(IServiceScopeFactory scopes, LeadsClock clock, IConfiguration configuration, ILogger<HitTaskEscalator> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = configuration.GetValue("Leads:HitTasks:CheckEvery", TimeSpan.FromSeconds(10));
        using var timer = new PeriodicTimer(every);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await EscalateOverdueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning(ex, "Escalating overdue hit-confirmation tasks failed; trying again shortly");
            }
        }
    }

    public async Task<int> EscalateOverdueAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadsDbContext>();
        var now = clock.Now;
        var overdue = await db.HitTasks
            .Where(t => t.Status == HitTaskStatus.Open && t.EscalatedAt == null && t.DueAt < now)
            .OrderBy(t => t.DueAt).Take(200).ToListAsync(ct);
        var escalated = 0;
        foreach (var task in overdue)
        {
            task.EscalatedAt = now;
            task.Version++;
            var lead = await db.Leads.FirstOrDefaultAsync(l => l.Id == task.LeadId, ct);
            lead?.Record(now, "platform", "hit_confirmation_overdue",
                $"{EnumText.Of(task.Urgency)} confirmation of a hit from {task.HitAgency} was due {task.DueAt:u}; escalated to {DivisionCatalog.PrefectureOf(task.OwnerAgency)}");
            db.OutboxMessages.Add(OutboxMessage.From(new HitConfirmationOverdue
            {
                EventId = Guid.CreateVersion7(),
                OccurredAt = now,
                ProducerAgency = task.OwnerAgency,
                TaskId = task.PublicId,
                LeadReference = task.LeadReference,
                OwnerAgency = task.OwnerAgency,
                EscalateTo = DivisionCatalog.PrefectureOf(task.OwnerAgency),
                HitAgency = task.HitAgency,
                Urgency = EnumText.Of(task.Urgency),
                DueAt = task.DueAt,
            }));
            try
            {
                // One task per save: a task answered meanwhile (its version moved) is simply not escalated.
                await db.SaveChangesAsync(ct);
                escalated++;
                log.LogWarning("Hit-confirmation task {Task} on lead {Reference} is overdue: escalated", task.PublicId, task.LeadReference);
            }
            catch (DbUpdateConcurrencyException)
            {
                db.ChangeTracker.Clear();
            }
        }
        return escalated;
    }
}

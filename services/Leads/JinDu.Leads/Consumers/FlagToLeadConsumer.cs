using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Correlation;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using JinDu.Screening.Contracts.Events;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Consumers;

/// <summary>
/// A screening flag — an inspection at a checkpoint or a parcel in a courier feed — becomes a lead of the
/// flagging agency, or joins that agency's open lead that already has one of the subjects (a timeline
/// entry, not a second lead). Applied once per event.
/// </summary>
public sealed class FlagToLeadConsumer(LeadsDbContext db, TimeProvider time, Correlator correlator, HitTasks hitTasks, ILogger<FlagToLeadConsumer> log)
    : IConsumer<InspectionFlagged>, IConsumer<ParcelFlagged>
{
    /// <summary>What both kinds of flag have in common, as far as a lead is concerned.</summary>
    public sealed record Flag(Guid EventId, string Agency, LeadSource Source, Guid? SourceId, IReadOnlyList<FlaggedSubject> Subjects,
        IReadOnlyList<string> Substances, int Severity, string Detail, string What, string HitAgency);

    public Task Consume(ConsumeContext<InspectionFlagged> context)
    {
        var f = context.Message;
        var detail = $"{f.CheckpointName}: {f.Result}" + (f.Seizures.Count > 0
            ? " — " + string.Join(", ", f.Seizures.Select(s => $"{s.Substance} {s.Grams:0.###} g"))
            : "");
        return ApplyAsync(new Flag(f.EventId, f.ProducerAgency, LeadSource.Checkpoint, f.InspectionId, f.Subjects,
            f.Seizures.Select(s => s.Substance).Distinct().ToList(), SeverityOf(f.Result), detail, $"inspection {f.InspectionId}", f.ProducerAgency), context.CancellationToken);
    }

    public Task Consume(ConsumeContext<ParcelFlagged> context)
    {
        var f = context.Message;
        var subjects = f.Subjects.Append(new FlaggedSubject(JinDu.Contracts.SubjectKind.Parcel, f.WaybillToken, f.WaybillMasked, null)).ToList();
        var detail = $"{f.Company} {f.WaybillMasked} at {f.OutletCode}: {f.Reason} → {f.Referral}"
                     + (f.MatchedLeads.Count > 0 ? " (matches " + string.Join(", ", f.MatchedLeads) + ")" : "");
        return ApplyAsync(new Flag(f.EventId, f.ProducerAgency, LeadSource.Courier, null, subjects, [],
            f.Reason == "watchlist" ? 3 : 2, detail, $"parcel {f.WaybillMasked}", f.OutletRegion), context.CancellationToken);
    }

    /// <summary>
    /// "Find the agency's open lead with one of these subjects, or make one" must not run twice at once for one
    /// subject: two flags of a new person consumed together would each find nothing and each make a lead (the
    /// correlation benchmark made 92,246 leads for 92,243 subjects). On PostgreSQL each (agency, subject) is
    /// locked for the transaction, in a fixed order; standalone, one flag is applied at a time.
    /// </summary>
    private async Task ApplyAsync(Flag flag, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql())
        {
            await StandaloneGate.WaitAsync(ct);
            try { await FindOrCreateAsync(flag, ct); }
            finally { StandaloneGate.Release(); }
            return;
        }
        var keys = flag.Subjects.Select(s => LockKeys.Of("jindu:lead-subject:" + flag.Agency + ":" + s.Token)).Distinct().Order().ToList();
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            foreach (var key in keys)
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock({0})", [key], ct);
            await FindOrCreateAsync(flag, ct);
            await tx.CommitAsync(ct);
        });
    }

    private static readonly SemaphoreSlim StandaloneGate = new(1, 1);

    private async Task FindOrCreateAsync(Flag flag, CancellationToken ct)
    {
        await db.ApplyOnceAsync(flag.EventId, nameof(FlagToLeadConsumer), time, async () =>
        {
            var tokens = flag.Subjects.Select(s => s.Token).ToList();
            var existing = await db.Leads
                .Where(l => l.OwnerAgency == flag.Agency && l.Status != LeadStatus.Closed && l.Subjects.Any(s => tokens.Contains(s.Token)))
                .OrderBy(l => l.Id)
                .FirstOrDefaultAsync(ct);
            var now = time.GetUtcNow();
            var detail = flag.Detail;
            if (existing is not null)
            {
                existing.Timeline.Add(new TimelineEntry { At = now, Actor = "screening", Action = "flag_joined", Detail = detail });
                var added = flag.Subjects.DistinctBy(s => s.Token).Where(s => existing.Subjects.All(x => x.Token != s.Token)).ToList();
                foreach (var s in added)
                    existing.Subjects.Add(new LeadSubject { Kind = s.Kind, Token = s.Token, Masked = s.Masked });
                foreach (var substance in flag.Substances.Where(x => !existing.Substances.Contains(x)))
                    existing.Substances.Add(substance);
                var severity = Math.Max(existing.Severity, flag.Severity);
                if (added.Count > 0 || severity != existing.Severity)
                {
                    existing.Severity = severity;
                    // A new severity re-announces every token so the watchlist answer shows it.
                    db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.WatchlistAdded(existing, now, existing.Subjects.Select(s => s.Token))));
                }
                existing.UpdatedAt = now;
                existing.Version++;
                await correlator.LinkAsync(existing, existing.Subjects.Where(s => added.Any(a => a.Token == s.Token)).ToList(), now, ct);
                await hitTasks.OpenForAsync(flag, ct);
                log.LogInformation("Flag ({What}) joined lead {Reference}", flag.What, existing.Reference);
                return;
            }
            var lead = new Lead
            {
                PublicId = Guid.CreateVersion7(),
                OwnerAgency = flag.Agency,
                Source = flag.Source,
                SourceId = flag.SourceId,
                Status = LeadStatus.New,
                Severity = flag.Severity,
                Summary = detail,
                Substances = flag.Substances.ToList(),
                CreatedAt = now,
                UpdatedAt = now,
                Subjects = flag.Subjects.DistinctBy(s => s.Token).Select(s => new LeadSubject { Kind = s.Kind, Token = s.Token, Masked = s.Masked }).ToList(),
                Timeline = [new TimelineEntry { At = now, Actor = "screening", Action = "created_from_flag", Detail = detail }],
            };
            lead.Reference = LeadReference.For(lead);
            db.Leads.Add(lead);
            db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.Created(lead, now)));
            db.OutboxMessages.Add(OutboxMessage.From(LeadEvents.WatchlistAdded(lead, now, lead.Subjects.Select(s => s.Token))));
            await correlator.LinkAsync(lead, lead.Subjects, now, ct);
            await hitTasks.OpenForAsync(flag, ct);
            log.LogInformation("Flag ({What}) created lead {Reference}", flag.What, lead.Reference);
        }, ct);
    }

    /// <summary>Seizures weigh most, then positive tests, then suspicion (1–5 scale).</summary>
    public static int SeverityOf(string result) => result switch
    {
        "seizure" => 4,
        "positive_test" => 3,
        _ => 2,
    };
}

public static class LeadReference
{
    public static string For(Lead lead) =>
        $"XS-{lead.OwnerAgency}-{lead.CreatedAt.UtcDateTime:yyyyMMdd}-{lead.PublicId.ToString("N")[^6..].ToUpperInvariant()}";
}

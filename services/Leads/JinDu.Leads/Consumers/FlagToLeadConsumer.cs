using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using JinDu.Screening.Contracts.Events;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Consumers;

/// <summary>
/// A screening flag becomes a lead of the flagging agency, or joins that agency's open lead that already
/// has one of the subjects (a timeline entry, not a second lead). Applied once per event.
/// </summary>
public sealed class FlagToLeadConsumer(LeadsDbContext db, TimeProvider time, ILogger<FlagToLeadConsumer> log) : IConsumer<InspectionFlagged>
{
    public async Task Consume(ConsumeContext<InspectionFlagged> context)
    {
        var flag = context.Message;
        await db.ApplyOnceAsync(flag.EventId, nameof(FlagToLeadConsumer), time, async () =>
        {
            var tokens = flag.Subjects.Select(s => s.Token).ToList();
            var existing = await db.Leads
                .Where(l => l.OwnerAgency == flag.ProducerAgency && l.Status != LeadStatus.Closed && l.Subjects.Any(s => tokens.Contains(s.Token)))
                .OrderBy(l => l.Id)
                .FirstOrDefaultAsync(context.CancellationToken);
            var now = time.GetUtcNow();
            var detail = $"{flag.CheckpointName}: {flag.Result}" + (flag.Seizures.Count > 0
                ? " — " + string.Join(", ", flag.Seizures.Select(s => $"{s.Substance} {s.Grams:0.###} g"))
                : "");
            if (existing is not null)
            {
                existing.Timeline.Add(new TimelineEntry { At = now, Actor = "screening", Action = "flag_joined", Detail = detail });
                var added = flag.Subjects.Where(s => existing.Subjects.All(x => x.Token != s.Token)).ToList();
                foreach (var s in added)
                    existing.Subjects.Add(new LeadSubject { Kind = s.Kind, Token = s.Token, Masked = s.Masked });
                var severity = Math.Max(existing.Severity, SeverityOf(flag.Result));
                if (added.Count > 0 || severity != existing.Severity)
                {
                    existing.Severity = severity;
                    // A new severity re-announces every token so the watchlist answer shows it.
                    db.OutboxMessages.Add(OutboxMessage.From(WatchlistAdded(existing, now, existing.Subjects.Select(s => s.Token))));
                }
                existing.UpdatedAt = now;
                log.LogInformation("Flag {InspectionId} joined lead {Reference}", flag.InspectionId, existing.Reference);
                return;
            }
            var lead = new Lead
            {
                PublicId = Guid.CreateVersion7(),
                OwnerAgency = flag.ProducerAgency,
                Source = LeadSource.Checkpoint,
                SourceId = flag.InspectionId,
                Status = LeadStatus.New,
                Severity = SeverityOf(flag.Result),
                Summary = detail,
                Substances = flag.Seizures.Select(s => s.Substance).Distinct().ToList(),
                CreatedAt = now,
                UpdatedAt = now,
                Subjects = flag.Subjects.Select(s => new LeadSubject { Kind = s.Kind, Token = s.Token, Masked = s.Masked }).ToList(),
                Timeline = [new TimelineEntry { At = now, Actor = "screening", Action = "created_from_flag", Detail = detail }],
            };
            lead.Reference = LeadReference.For(lead);
            db.Leads.Add(lead);
            db.OutboxMessages.Add(OutboxMessage.From(new LeadCreated
            {
                EventId = Guid.CreateVersion7(),
                OccurredAt = now,
                ProducerAgency = lead.OwnerAgency,
                LeadId = lead.PublicId,
                Reference = lead.Reference,
                OwnerAgency = lead.OwnerAgency,
                Source = EnumText.Of(lead.Source),
                Severity = lead.Severity,
                Substances = lead.Substances,
                SubjectTokens = lead.Subjects.Select(s => s.Token).ToList(),
            }));
            db.OutboxMessages.Add(OutboxMessage.From(WatchlistAdded(lead, now, lead.Subjects.Select(s => s.Token))));
            log.LogInformation("Flag {InspectionId} created lead {Reference}", flag.InspectionId, lead.Reference);
        }, context.CancellationToken);
    }

    private static WatchlistChanged WatchlistAdded(Lead lead, DateTimeOffset now, IEnumerable<string> tokens) => new()
    {
        EventId = Guid.CreateVersion7(),
        OccurredAt = now,
        ProducerAgency = lead.OwnerAgency,
        LeadReference = lead.Reference,
        OwnerAgency = lead.OwnerAgency,
        Severity = lead.Severity,
        AddedTokens = tokens.Distinct().ToList(),
        RemovedTokens = [],
    };

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

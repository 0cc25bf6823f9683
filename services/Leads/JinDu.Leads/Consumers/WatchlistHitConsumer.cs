using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Correlation;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using JinDu.Screening.Contracts.Events;
using MassTransit;

namespace JinDu.Leads.Consumers;

/// <summary>
/// A clear inspection whose subject is on the watchlist: no lead for the checkpoint's agency (nothing was
/// found), but each matched lead's owner in another agency gets a hit to confirm, on the same clock as a flag's.
/// Applied once per event.
/// </summary>
public sealed class WatchlistHitConsumer(LeadsDbContext db, TimeProvider time, HitTasks hitTasks) : IConsumer<WatchlistHitRecorded>
{
    public async Task Consume(ConsumeContext<WatchlistHitRecorded> context)
    {
        var h = context.Message;
        var hit = new FlagToLeadConsumer.Flag(h.EventId, h.ProducerAgency, LeadSource.Checkpoint, h.InspectionId, h.Subjects, [],
            1, $"{h.CheckpointName}: checked clear, identifier on the watchlist", $"inspection {h.InspectionId}", h.ProducerAgency);
        await db.ApplyOnceAsync(h.EventId, nameof(WatchlistHitConsumer), time,
            () => hitTasks.OpenForAsync(hit, context.CancellationToken), context.CancellationToken);
    }
}

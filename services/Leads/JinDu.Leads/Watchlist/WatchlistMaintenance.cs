using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Watchlist;

/// <summary>
/// Applies WatchlistChanged to the index, from Leads' own outbox (<see cref="IOutboxProjection{TContext}"/>): the event
/// still goes to the broker for anyone else, but Leads no longer takes its own events back from a queue of its own. That
/// queue cost a quorum-queue enqueue, delivery and ack a flag and a trip through MassTransit's receive pipeline (200 a
/// second in partner-latency). An event's outbox row is marked sent only once it is applied here; if the index is away,
/// the row is published and applied again from the outbox table, as a consumer's retry would have.
/// Adding and removing are idempotent. Events of one lead may be applied out of their order (by several instances, or
/// again from the table): a flag's "add" for a lead that an analyst closed a moment later could be applied after the
/// "remove" and keep the closed lead's identifiers on the watchlist. Leads emits a removal only when a lead closes, and
/// closing is final, so the index remembers each removed lead and ignores any later add for it (see
/// <see cref="IWatchlistIndex"/>). Reading each lead's state instead, under a lock, cost Leads 0.2 ms of CPU a flag and
/// doubled partner-latency's p99.
/// </summary>
public sealed class WatchlistProjection(IWatchlistIndex index) : IOutboxProjection<LeadsDbContext>
{
    public bool Handles(Type eventType) => eventType == typeof(WatchlistChanged);

    public async Task ApplyAsync(IReadOnlyList<object> events, CancellationToken cancellationToken)
    {
        // The adds in one call up to each removal, which goes after them: the order of the round's events is kept.
        var adds = new List<WatchlistEntry>();
        foreach (var m in events.Cast<WatchlistChanged>())
        {
            adds.AddRange(m.AddedTokens.Select(t => new WatchlistEntry(t, m.LeadReference, m.OwnerAgency, m.Severity)));
            if (m.RemovedTokens.Count == 0) continue;
            if (adds.Count > 0) await index.AddAsync(adds);
            adds = [];
            await index.RemoveAsync(m.LeadReference, m.RemovedTokens);
        }
        if (adds.Count > 0) await index.AddAsync(adds);
    }
}

/// <summary>Loads the tokens of every active lead into the index at start, so a restart or an empty Redis loses nothing.</summary>
public sealed class WatchlistRebuilder(IServiceScopeFactory scopes, IWatchlistIndex index, ILogger<WatchlistRebuilder> log) : BackgroundService
{
    private const int Batch = 5_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Runs after the database initializer (hosted services start in order), off the start-up path.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadsDbContext>();
        long after = 0;
        var total = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var leads = await db.Leads.AsNoTracking()
                .Where(LeadScope.Watched)
                .Where(l => l.Id > after)
                .OrderBy(l => l.Id).Take(Batch)
                .Select(l => new { l.Id, l.Reference, l.OwnerAgency, l.Severity, Tokens = l.Subjects.Select(s => s.Token).ToList() })
                .ToListAsync(stoppingToken);
            if (leads.Count == 0) break;
            var entries = leads.SelectMany(l => l.Tokens.Select(t => new WatchlistEntry(t, l.Reference, l.OwnerAgency, l.Severity))).ToList();
            await index.AddAsync(entries);
            total += entries.Count;
            after = leads[^1].Id;
        }
        log.LogInformation("Watchlist rebuilt from the database: {Count} tokens", total);
    }
}

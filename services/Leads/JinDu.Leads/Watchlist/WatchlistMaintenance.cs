using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Watchlist;

/// <summary>
/// Applies WatchlistChanged to the index. Adding and removing are idempotent, so no inbox is needed. Events of one
/// lead may be applied out of their order (consumed several at once, by several instances, or redelivered): a flag's
/// "add" for a lead that an analyst closed a moment later could be applied after the "remove" and keep the closed
/// lead's identifiers on the watchlist. Leads emits a removal only when a lead closes, and closing is final, so the
/// index remembers each removed lead and ignores any later add for it (see <see cref="IWatchlistIndex"/>). Reading
/// each lead's state instead, under a lock, cost Leads 0.2 ms of CPU a flag and doubled partner-latency's p99.
/// </summary>
public sealed class WatchlistChangedConsumer(IWatchlistIndex index) : IConsumer<WatchlistChanged>
{
    public async Task Consume(ConsumeContext<WatchlistChanged> context)
    {
        var m = context.Message;
        if (m.AddedTokens.Count > 0)
            await index.AddAsync(m.AddedTokens.Select(t => new WatchlistEntry(t, m.LeadReference, m.OwnerAgency, m.Severity)).ToList());
        if (m.RemovedTokens.Count > 0)
            await index.RemoveAsync(m.LeadReference, m.RemovedTokens);
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

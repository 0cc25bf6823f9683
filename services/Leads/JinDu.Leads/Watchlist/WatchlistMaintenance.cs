using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Watchlist;

/// <summary>Applies WatchlistChanged to the index. Adding and removing are idempotent, so no inbox is needed.</summary>
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

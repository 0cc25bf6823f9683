using JinDu.BuildingBlocks.Data;
using JinDu.Leads.Contracts.Events;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Watchlist;

/// <summary>
/// Applies WatchlistChanged to the index from the lead as it is now, not from the event's direction. Events for one
/// lead can be applied out of their order (several at once, several Leads instances, a redelivery): a flag's "add"
/// for a lead that an analyst closed a moment later, applied after the "remove", kept the closed lead's identifiers on
/// the watchlist until the next restart. So for each token an event names, the consumer reads, under a lock on the
/// lead, whether the lead is watched now and still has that subject, and adds or removes the token accordingly.
/// An event is published only after its transaction committed, so whichever event of a lead is applied last reads
/// the lead's last state: the index ends as the leads are, in any order of delivery. Idempotent, so no inbox.
/// In batches: one transaction, one query and one Redis round trip for all the batch's leads.
/// </summary>
public sealed class WatchlistChangedConsumer(LeadsDbContext db, IWatchlistIndex index) : IConsumer<Batch<WatchlistChanged>>
{
    /// <summary>
    /// Up to 100 events a batch, delivered at the latest 50 ms after the first arrived (a new lead's identifiers
    /// answer officers' checks that soon; as for flags, longer windows make fewer, larger batches, each costing one
    /// transaction, one read and one Redis round trip), one batch at a time per instance.
    /// </summary>
    public static void Options(BatchOptions options) => options.SetMessageLimit(MessageLimit).SetTimeLimit(ms: 50).SetConcurrencyLimit(1);

    public const int MessageLimit = 100;

    // Standalone there is one process and SQLite has no advisory locks: one batch at a time in the process.
    private static readonly SemaphoreSlim StandaloneGate = new(1, 1);

    public async Task Consume(ConsumeContext<Batch<WatchlistChanged>> context)
    {
        var ct = context.CancellationToken;
        var named = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal); // lead reference → tokens the events name
        foreach (var message in context.Message)
        {
            var m = message.Message;
            if (!named.TryGetValue(m.LeadReference, out var tokens)) named[m.LeadReference] = tokens = new HashSet<string>(StringComparer.Ordinal);
            tokens.UnionWith(m.AddedTokens);
            tokens.UnionWith(m.RemovedTokens);
        }
        if (!db.Database.IsNpgsql())
        {
            await StandaloneGate.WaitAsync(ct);
            try { await ApplyAsync(named, null, ct); }
            finally { StandaloneGate.Release(); }
            return;
        }
        var keys = named.Keys.Select(r => LockKeys.Of("jindu:watchlist:" + r)).Distinct().Order().ToArray();
        await db.Database.CreateExecutionStrategy().ExecuteAsync(() => ApplyAsync(named, keys, ct));
    }

    private async Task ApplyAsync(Dictionary<string, HashSet<string>> named, long[]? lockKeys, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Held until the index is written: an event of the same lead applied meanwhile elsewhere waits, then reads
        // what this one read or newer. unnest yields the sorted keys in order, so two batches cannot deadlock.
        if (lockKeys is { Length: > 0 })
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(k) FROM unnest({0}) AS k", [lockKeys], ct);
        var references = named.Keys.ToList();
        var leads = await db.Leads.AsNoTracking()
            .Where(l => references.Contains(l.Reference))
            .Select(l => new { l.Reference, l.Source, l.Status, l.OwnerAgency, l.Severity, Tokens = l.Subjects.Select(s => s.Token).ToList() })
            .ToDictionaryAsync(l => l.Reference, StringComparer.Ordinal, ct);
        var added = new List<WatchlistEntry>();
        var removed = new List<(string LeadReference, string Token)>();
        foreach (var (reference, tokens) in named)
        {
            var lead = leads.GetValueOrDefault(reference);
            var watched = lead is not null && LeadScope.IsWatched(lead.Source, lead.Status);
            foreach (var token in tokens)
            {
                if (watched && lead!.Tokens.Contains(token)) added.Add(new WatchlistEntry(token, reference, lead.OwnerAgency, lead.Severity));
                else removed.Add((reference, token));
            }
        }
        await index.ApplyAsync(added, removed);
        await tx.CommitAsync(ct);
    }
}

public sealed class WatchlistChangedConsumerDefinition : ConsumerDefinition<WatchlistChangedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<WatchlistChangedConsumer> consumer,
        IRegistrationContext context)
    {
        consumer.Options<BatchOptions>(WatchlistChangedConsumer.Options);
        // Room for the batch being applied and the next one filling meanwhile (see FlagToLeadConsumerDefinition).
        var room = WatchlistChangedConsumer.MessageLimit * 2;
        endpoint.PrefetchCount = Math.Max(endpoint.PrefetchCount, room);
        endpoint.ConcurrentMessageLimit = Math.Max(endpoint.ConcurrentMessageLimit ?? 0, room);
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

using JinDu.BuildingBlocks.Caching;
using StackExchange.Redis;

namespace JinDu.Leads.Watchlist;

/// <summary>
/// The watchlist in Redis, in the layout of <see cref="WatchlistCache"/> (which Screening reads directly).
/// Writes go in one pipelined batch: one round trip however many tokens.
/// </summary>
public sealed class RedisWatchlistIndex(IConnectionMultiplexer redis) : IWatchlistIndex
{
    public Task AddAsync(IReadOnlyCollection<WatchlistEntry> entries) => ApplyAsync(entries, []);

    public async Task ApplyAsync(IReadOnlyCollection<WatchlistEntry> added, IReadOnlyCollection<(string LeadReference, string Token)> removed)
    {
        if (added.Count == 0 && removed.Count == 0) return;
        var batch = redis.GetDatabase().CreateBatch();
        var writes = added.SelectMany(e => WatchlistCache.Add(batch, new WatchlistCache.Entry(e.Token, e.LeadReference, e.OwnerAgency, e.Severity)))
            .Concat(removed.Select(r => WatchlistCache.Remove(batch, r.LeadReference, r.Token))).ToList();
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public async Task<IReadOnlyList<WatchlistEntry>> MatchAsync(IReadOnlyCollection<string> tokens)
    {
        var hits = await WatchlistCache.MatchAsync(redis.GetDatabase(), tokens);
        return hits.Select(h => new WatchlistEntry(h.Token, h.LeadReference, h.OwnerAgency, h.Severity)).ToList();
    }
}

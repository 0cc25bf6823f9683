using JinDu.BuildingBlocks.Caching;
using StackExchange.Redis;

namespace JinDu.Leads.Watchlist;

/// <summary>
/// The watchlist in Redis, in the layout of <see cref="WatchlistCache"/> (which Screening reads directly).
/// Writes go in one pipelined batch: one round trip however many tokens.
/// </summary>
public sealed class RedisWatchlistIndex(IConnectionMultiplexer redis) : IWatchlistIndex
{
    public async Task AddAsync(IReadOnlyCollection<WatchlistEntry> entries)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var writes = entries.Select(e => WatchlistCache.AddUnlessRemoved(batch, new WatchlistCache.Entry(e.Token, e.LeadReference, e.OwnerAgency, e.Severity))).ToList();
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public async Task RemoveAsync(string leadReference, IReadOnlyCollection<string> tokens)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var writes = WatchlistCache.RemoveLead(batch, leadReference, tokens);
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public async Task<IReadOnlyList<WatchlistEntry>> MatchAsync(IReadOnlyCollection<string> tokens)
    {
        var hits = await WatchlistCache.MatchAsync(redis.GetDatabase(), tokens);
        return hits.Select(h => new WatchlistEntry(h.Token, h.LeadReference, h.OwnerAgency, h.Severity)).ToList();
    }
}

using JinDu.BuildingBlocks.Caching;
using StackExchange.Redis;

namespace JinDu.Leads.Watchlist;

/// <summary>
/// The watchlist in Redis, in the layout of <see cref="WatchlistCache"/> (which Screening reads directly).
/// Writes go in one pipelined batch: one round trip however many tokens.
/// </summary>
public sealed class RedisWatchlistIndex(IConnectionMultiplexer redis) : IWatchlistIndex
{
    /// <summary>
    /// A removed lead's marker: set before its fields are deleted, and checked by every add in the same script that
    /// writes it (Redis runs a script whole), so an add and a removal of one lead cannot interleave. Outside the
    /// <c>jindu:wl:</c> keys that Screening reads. Kept for 90 days, far longer than any event waits to be applied.
    /// </summary>
    private static RedisKey Removed(string leadReference) => "jindu:wl-removed:" + leadReference;

    private static readonly TimeSpan RemovedFor = TimeSpan.FromDays(90);

    private const string AddUnlessRemoved =
        "if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('SADD', KEYS[1], ARGV[1]); redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end";

    public async Task AddAsync(IReadOnlyCollection<WatchlistEntry> entries)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var writes = entries.Select(e => batch.ScriptEvaluateAsync(AddUnlessRemoved,
            [WatchlistCache.Members, WatchlistCache.Key(e.Token), Removed(e.LeadReference)],
            [e.Token, e.LeadReference, WatchlistCache.Value(e.OwnerAgency, e.Severity)])).ToList();
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public async Task RemoveAsync(string leadReference, IReadOnlyCollection<string> tokens)
    {
        var batch = redis.GetDatabase().CreateBatch();
        // In this order on one connection: the marker first, so an add applied between the two finds it.
        var writes = new List<Task> { batch.StringSetAsync(Removed(leadReference), 1, RemovedFor) };
        writes.AddRange(tokens.Select(t => WatchlistCache.Remove(batch, leadReference, t)));
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public async Task<IReadOnlyList<WatchlistEntry>> MatchAsync(IReadOnlyCollection<string> tokens)
    {
        var hits = await WatchlistCache.MatchAsync(redis.GetDatabase(), tokens);
        return hits.Select(h => new WatchlistEntry(h.Token, h.LeadReference, h.OwnerAgency, h.Severity)).ToList();
    }
}

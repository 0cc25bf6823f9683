using StackExchange.Redis;

namespace JinDu.Leads.Watchlist;

/// <summary>
/// The watchlist in Redis: one hash per token (jindu:wl:{token}), a field per lead reference holding
/// "owner|severity". A match is one pipelined HGETALL per token: one round trip for the whole call.
/// </summary>
public sealed class RedisWatchlistIndex(IConnectionMultiplexer redis) : IWatchlistIndex
{
    public const string Prefix = "jindu:wl:";

    private static RedisKey Key(string token) => Prefix + token;

    public async Task AddAsync(IReadOnlyCollection<WatchlistEntry> entries)
    {
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var writes = entries.Select(e => batch.HashSetAsync(Key(e.Token), e.LeadReference, $"{e.OwnerAgency}|{e.Severity}")).ToList();
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public async Task RemoveAsync(string leadReference, IReadOnlyCollection<string> tokens)
    {
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var writes = tokens.Select(t => batch.HashDeleteAsync(Key(t), leadReference)).ToList();
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public async Task<IReadOnlyList<WatchlistEntry>> MatchAsync(IReadOnlyCollection<string> tokens)
    {
        if (tokens.Count == 0) return [];
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var reads = tokens.Select(t => (Token: t, Fields: batch.HashGetAllAsync(Key(t)))).ToList();
        batch.Execute();
        var hits = new List<WatchlistEntry>();
        foreach (var (token, fields) in reads)
        {
            foreach (var field in await fields)
            {
                var value = field.Value.ToString();
                var bar = value.IndexOf('|');
                if (bar <= 0 || !int.TryParse(value.AsSpan(bar + 1), out var severity)) continue;
                hits.Add(new WatchlistEntry(token, field.Name.ToString(), value[..bar], severity));
            }
        }
        return hits;
    }
}

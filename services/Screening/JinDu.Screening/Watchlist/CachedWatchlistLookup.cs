using JinDu.BuildingBlocks.Caching;
using JinDu.BuildingBlocks.Divisions;
using StackExchange.Redis;

namespace JinDu.Screening.Watchlist;

/// <summary>
/// The distributed mode's lookup: reads Leads' watchlist cache in Redis directly (one round trip, no hop
/// through Leads, and the answer does not depend on Leads being up). When the cache does not answer within the
/// deadline, it asks Leads over gRPC; when neither answers, the post still succeeds and says "not checked".
/// </summary>
public sealed class CachedWatchlistLookup(
    IConnectionMultiplexer redis,
    DivisionCatalog divisions,
    GrpcWatchlistLookup leads,
    ILogger<CachedWatchlistLookup> log) : IWatchlistLookup
{
    public static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(250);

    public async Task<WatchlistAnswer> MatchAsync(IReadOnlyCollection<string> tokens, CancellationToken cancellationToken)
    {
        if (tokens.Count == 0) return new WatchlistAnswer(true, []);
        if (redis.IsConnected)
        {
            try
            {
                var entries = await WatchlistCache.MatchAsync(redis.GetDatabase(), tokens)
                    .WaitAsync(Deadline, cancellationToken);
                return new WatchlistAnswer(true, entries
                    .Select(e => new WatchlistHit(e.Token, e.LeadReference, e.OwnerAgency, divisions.ContactOf(e.OwnerAgency), e.Severity))
                    .ToList());
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                log.LogWarning("Watchlist cache did not answer ({Error}); asking Leads", ex.Message);
            }
        }
        return await leads.MatchAsync(tokens, cancellationToken);
    }
}

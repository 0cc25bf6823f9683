using StackExchange.Redis;

namespace JinDu.BuildingBlocks.Caching;

/// <summary>
/// The watchlist cache (DESIGN.md §3): in the distributed mode Leads keeps the tokens of active leads in
/// Redis, and Screening reads them there directly, so a checkpoint answer needs no hop through Leads. Leads
/// alone writes; this class is the one description of the layout both sides use:
/// <list type="bullet">
/// <item><c>jindu:wl:{token}</c>, a hash: a field per lead reference holding "owner|severity";</item>
/// <item><c>jindu:wl:tokens</c>, a set of every token ever added. Removing a lead's token deletes its field and
/// leaves the set member (a superset is harmless: its hash is empty), so a whole batch is first narrowed with one
/// SMISMEMBER and only the few members' hashes are read.</item>
/// <item><c>jindu:wl-removed:{lead reference}</c>, a marker that the lead left the watchlist (it closed, for good),
/// kept 90 days; Leads' adds skip a marked lead, so an add applied after the removal cannot bring it back. Outside
/// the <c>jindu:wl:</c> keys, Screening never reads it.</item>
/// </list>
/// </summary>
public static class WatchlistCache
{
    public const string Prefix = "jindu:wl:";
    public static readonly RedisKey Members = Prefix + "tokens";

    public readonly record struct Entry(string Token, string LeadReference, string OwnerAgency, int Severity);

    public static RedisKey Key(string token) => Prefix + token;

    /// <summary>Queues the writes that put one entry on the watchlist into a batch.</summary>
    public static IEnumerable<Task> Add(IBatch batch, Entry e) =>
    [
        batch.SetAddAsync(Members, e.Token),
        batch.HashSetAsync(Key(e.Token), e.LeadReference, Value(e.OwnerAgency, e.Severity)),
    ];

    private static string Value(string ownerAgency, int severity) => $"{ownerAgency}|{severity}";

    private static RedisKey Removed(string leadReference) => "jindu:wl-removed:" + leadReference;

    private static readonly TimeSpan RemovedFor = TimeSpan.FromDays(90);

    // The marker check and the writes in one script: Redis runs a script whole, so an add and a removal of one lead
    // cannot interleave.
    private const string AddUnlessRemovedScript =
        "if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('SADD', KEYS[1], ARGV[1]); redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end";

    /// <summary>Queues <see cref="Add"/> for one entry, unless its lead was removed (<see cref="RemoveLead"/>).</summary>
    public static Task AddUnlessRemoved(IBatch batch, Entry e) => batch.ScriptEvaluateAsync(AddUnlessRemovedScript,
        [Members, Key(e.Token), Removed(e.LeadReference)], [e.Token, e.LeadReference, Value(e.OwnerAgency, e.Severity)]);

    /// <summary>
    /// Queues the writes that take a lead off the watchlist for good: the marker first (so an add run between these
    /// writes finds it), then the lead's field in each token's hash.
    /// </summary>
    public static List<Task> RemoveLead(IBatch batch, string leadReference, IEnumerable<string> tokens)
    {
        var writes = new List<Task> { batch.StringSetAsync(Removed(leadReference), 1, RemovedFor) };
        writes.AddRange(tokens.Select(t => batch.HashDeleteAsync(Key(t), leadReference)));
        return writes;
    }

    /// <summary>The entries of the given tokens: one SMISMEMBER, then one pipelined HGETALL per member.</summary>
    public static async Task<IReadOnlyList<Entry>> MatchAsync(IDatabase db, IReadOnlyCollection<string> tokens)
    {
        if (tokens.Count == 0) return [];
        var present = await db.SetContainsAsync(Members, tokens.Select(t => (RedisValue)t).ToArray());
        var members = tokens.Where((_, i) => present[i]).ToList(); // SMISMEMBER answers in the order asked
        if (members.Count == 0) return [];
        var batch = db.CreateBatch();
        var reads = members.Select(t => (Token: t, Fields: batch.HashGetAllAsync(Key(t)))).ToList();
        batch.Execute();
        var hits = new List<Entry>();
        foreach (var (token, fields) in reads)
        {
            foreach (var field in await fields)
            {
                var value = field.Value.ToString();
                var bar = value.IndexOf('|');
                if (bar <= 0 || !int.TryParse(value.AsSpan(bar + 1), out var severity)) continue;
                hits.Add(new Entry(token, field.Name.ToString(), value[..bar], severity));
            }
        }
        return hits;
    }
}

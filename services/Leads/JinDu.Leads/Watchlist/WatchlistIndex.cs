using System.Collections.Concurrent;

namespace JinDu.Leads.Watchlist;

/// <summary>One token on the watchlist: which lead has it, whose lead it is, how serious.</summary>
public sealed record WatchlistEntry(string Token, string LeadReference, string OwnerAgency, int Severity);

/// <summary>
/// The watchlist: tokens of active leads, answered in well under a millisecond of work per call.
/// In the distributed mode it lives in Redis so every Leads instance answers the same; standalone,
/// in memory. Either way it is rebuilt from the database at start and kept current by WatchlistChanged.
/// </summary>
public interface IWatchlistIndex
{
    /// <summary>Adds the entries, except those of a lead removed before (a late add for a closed lead).</summary>
    Task AddAsync(IReadOnlyCollection<WatchlistEntry> entries);
    /// <summary>Takes the lead's tokens off and remembers that the lead left: a lead leaves only when it closes, for good.</summary>
    Task RemoveAsync(string leadReference, IReadOnlyCollection<string> tokens);
    Task<IReadOnlyList<WatchlistEntry>> MatchAsync(IReadOnlyCollection<string> tokens);
}

public sealed class InMemoryWatchlistIndex : IWatchlistIndex
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, WatchlistEntry>> _byToken = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removedLeads = new(StringComparer.Ordinal);
    private readonly Lock _writes = new(); // an add and a removal of one lead must not interleave

    public Task AddAsync(IReadOnlyCollection<WatchlistEntry> entries)
    {
        lock (_writes)
            foreach (var e in entries)
                if (!_removedLeads.Contains(e.LeadReference))
                    _byToken.GetOrAdd(e.Token, _ => new ConcurrentDictionary<string, WatchlistEntry>(StringComparer.Ordinal))[e.LeadReference] = e;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string leadReference, IReadOnlyCollection<string> tokens)
    {
        lock (_writes)
        {
            _removedLeads.Add(leadReference);
            foreach (var t in tokens)
                if (_byToken.TryGetValue(t, out var leads)) leads.TryRemove(leadReference, out _);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<WatchlistEntry>> MatchAsync(IReadOnlyCollection<string> tokens)
    {
        var hits = new List<WatchlistEntry>();
        foreach (var t in tokens)
            if (_byToken.TryGetValue(t, out var leads)) hits.AddRange(leads.Values);
        return Task.FromResult<IReadOnlyList<WatchlistEntry>>(hits);
    }
}

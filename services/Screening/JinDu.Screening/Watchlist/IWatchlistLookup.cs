namespace JinDu.Screening.Watchlist;

/// <summary>A hit: the identifier belongs to an active lead; contact its owner.</summary>
public sealed record WatchlistHit(string Token, string LeadReference, string OwnerAgency, string Contact, int Severity);

/// <summary>Checked is false when the watchlist could not be asked (Leads down or slow): the post still succeeds.</summary>
public sealed record WatchlistAnswer(bool Checked, IReadOnlyList<WatchlistHit> Hits)
{
    public static readonly WatchlistAnswer Unavailable = new(false, []);
}

/// <summary>Asks the Leads watchlist about subject tokens, answering within a tight budget.</summary>
public interface IWatchlistLookup
{
    Task<WatchlistAnswer> MatchAsync(IReadOnlyCollection<string> tokens, CancellationToken cancellationToken);
}

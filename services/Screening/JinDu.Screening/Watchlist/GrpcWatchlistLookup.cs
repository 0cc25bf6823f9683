using Grpc.Core;
using JinDu.Leads.Grpc.V1;
using Microsoft.AspNetCore.Http;

namespace JinDu.Screening.Watchlist;

/// <summary>
/// Calls Leads' MatchIdentifiers over gRPC with the officer's own token, within a deadline: an officer
/// is never kept waiting on Leads, and a failure answers "not checked" instead of failing the post.
/// </summary>
public sealed class GrpcWatchlistLookup(
    Leads.Grpc.V1.Watchlist.WatchlistClient client,
    IHttpContextAccessor http,
    ILogger<GrpcWatchlistLookup> log) : IWatchlistLookup
{
    public static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(500);

    public async Task<WatchlistAnswer> MatchAsync(IReadOnlyCollection<string> tokens, CancellationToken cancellationToken)
    {
        if (tokens.Count == 0) return new WatchlistAnswer(true, []);
        var headers = new Metadata();
        var authorization = http.HttpContext?.Request.Headers.Authorization.ToString();
        if (!string.IsNullOrEmpty(authorization)) headers.Add("authorization", authorization);
        try
        {
            var request = new MatchIdentifiersRequest();
            request.Tokens.AddRange(tokens);
            var reply = await client.MatchIdentifiersAsync(request, headers, DateTime.UtcNow + Deadline, cancellationToken);
            return new WatchlistAnswer(true, reply.Matches
                .Select(m => new WatchlistHit(m.Token, m.LeadReference, m.OwnerAgency, m.Contact, m.Severity)).ToList());
        }
        catch (RpcException ex)
        {
            log.LogWarning("Watchlist could not be checked: {Status} {Detail}", ex.StatusCode, ex.Status.Detail);
            return WatchlistAnswer.Unavailable;
        }
    }
}

using Grpc.Core;
using JinDu.BuildingBlocks.Divisions;
using JinDu.Leads.Grpc.V1;
using JinDu.Leads.Watchlist;
using Microsoft.AspNetCore.Authorization;
using JinDu.BuildingBlocks.Auth;

namespace JinDu.Leads.Grpc;

/// <summary>
/// The watchlist over gRPC: tokens of active leads, answered with pointers (reference, owning agency,
/// contact), never lead contents. Asked by Screening for every inspection and parcel.
/// </summary>
[Authorize(Roles = $"{Roles.CheckpointOfficer},{Roles.Courier},{Roles.Analyst},{Roles.Supervisor}")]
public sealed class WatchlistService(WatchlistQuery query) : JinDu.Leads.Grpc.V1.Watchlist.WatchlistBase
{
    // A courier batch asks about up to three identifiers of each of its 2,000 parcels in one call.
    public const int MaxTokens = 10_000;

    public override async Task<MatchIdentifiersResponse> MatchIdentifiers(MatchIdentifiersRequest request, ServerCallContext context)
    {
        if (request.Tokens.Count > MaxTokens)
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"tokens: at most {MaxTokens} per call"));
        var reply = new MatchIdentifiersResponse();
        reply.Matches.AddRange(await query.MatchAsync(request.Tokens, context.CancellationToken));
        return reply;
    }
}

/// <summary>Reads the watchlist: used by the gRPC service and, in the standalone host, called in process.</summary>
public sealed class WatchlistQuery(IWatchlistIndex index, DivisionCatalog divisions)
{
    public async Task<IReadOnlyList<WatchlistMatch>> MatchAsync(IEnumerable<string> tokens, CancellationToken ct)
    {
        var wanted = tokens.Where(t => !string.IsNullOrEmpty(t)).Distinct().ToList();
        if (wanted.Count == 0) return [];
        var hits = await index.MatchAsync(wanted);
        return hits.Select(h => new WatchlistMatch
        {
            Token = h.Token,
            LeadReference = h.LeadReference,
            OwnerAgency = h.OwnerAgency,
            Contact = divisions.ContactOf(h.OwnerAgency),
            Severity = h.Severity,
        }).ToList();
    }
}

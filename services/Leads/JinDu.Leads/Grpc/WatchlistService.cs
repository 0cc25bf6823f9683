using Grpc.Core;
using JinDu.BuildingBlocks.Divisions;
using JinDu.Leads.Grpc.V1;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Model;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using JinDu.BuildingBlocks.Auth;

namespace JinDu.Leads.Grpc;

/// <summary>
/// The watchlist over gRPC: tokens of active leads, answered with pointers (reference, owning agency,
/// contact), never lead contents. Asked by Screening for every inspection and parcel.
/// </summary>
[Authorize(Roles = $"{Roles.CheckpointOfficer},{Roles.Courier},{Roles.Analyst},{Roles.Supervisor}")]
public sealed class WatchlistService(WatchlistQuery query) : Watchlist.WatchlistBase
{
    public const int MaxTokens = 100;

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
public sealed class WatchlistQuery(LeadsDbContext db, DivisionCatalog divisions)
{
    public async Task<IReadOnlyList<WatchlistMatch>> MatchAsync(IEnumerable<string> tokens, CancellationToken ct)
    {
        var wanted = tokens.Where(t => !string.IsNullOrEmpty(t)).Distinct().ToList();
        if (wanted.Count == 0) return [];
        var rows = await db.Leads.AsNoTracking()
            .Where(l => l.Status != LeadStatus.Closed)
            .SelectMany(l => l.Subjects.Where(s => wanted.Contains(s.Token)), (l, s) => new { s.Token, l.Reference, l.OwnerAgency, l.Severity })
            .ToListAsync(ct);
        return rows.Select(r => new WatchlistMatch
        {
            Token = r.Token,
            LeadReference = r.Reference,
            OwnerAgency = r.OwnerAgency,
            Contact = (divisions.Find(r.OwnerAgency)?.Name ?? r.OwnerAgency) + "禁毒办",
            Severity = r.Severity,
        }).ToList();
    }
}

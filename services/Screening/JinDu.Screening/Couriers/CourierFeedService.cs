using System.Runtime.CompilerServices;
using Grpc.Core;
using JinDu.BuildingBlocks.Auth;
using JinDu.Screening.Grpc.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Screening.Couriers;

/// <summary>The gRPC side of the courier feed: a bidirectional stream of records in and receipts out.</summary>
[Authorize(Roles = Roles.Courier)]
public sealed class CourierFeedService(ParcelIngest ingest, IServiceScopeFactory scopes, ReferralSignal signal, TimeProvider time) : CourierFeed.CourierFeedBase
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public override async Task StreamReferrals(StreamReferralsRequest request, IServerStreamWriter<ReferralEvent> responseStream, ServerCallContext context)
    {
        if (request.AfterSequence < 0) throw new RpcException(new Status(StatusCode.InvalidArgument, "after_sequence: must be 0 or more"));
        var company = Company(context);
        var position = request.AfterSequence;
        var lastBeat = DateTimeOffset.MinValue;
        var ct = context.CancellationToken;
        while (!ct.IsCancellationRequested)
        {
            var wake = signal.Next;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<Infrastructure.ScreeningDbContext>();
                var batch = await db.Referrals.AsNoTracking().Where(r => r.Company == company && r.Sequence > position)
                    .OrderBy(r => r.Sequence).Take(500).ToListAsync(ct);
                foreach (var r in batch)
                {
                    await responseStream.WriteAsync(new ReferralEvent { Referral = ToMessage(r) }, ct);
                    position = r.Sequence;
                }
                if (batch.Count == 500) continue;
                if (time.GetUtcNow() - lastBeat >= HeartbeatInterval)
                {
                    await responseStream.WriteAsync(new ReferralEvent { Heartbeat = new Heartbeat { At = Timestamp.FromDateTimeOffset(time.GetUtcNow()), LastSequence = position } }, ct);
                    lastBeat = time.GetUtcNow();
                }
            }
            try { await wake.WaitAsync(PollInterval, time, ct); }
            catch (TimeoutException) { }
            catch (OperationCanceledException) { return; }
        }
    }

    public override async Task<ReferralMessage> AcknowledgeReferral(AcknowledgeReferralRequest request, ServerCallContext context)
    {
        if (!Guid.TryParse(request.Id, out var id)) throw new RpcException(new Status(StatusCode.InvalidArgument, "id: must be a referral's UUID"));
        var company = Company(context);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Infrastructure.ScreeningDbContext>();
        var referral = await db.Referrals.FirstOrDefaultAsync(r => r.PublicId == id && r.Company == company, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "no such referral for your company"));
        referral.AcknowledgedAt ??= time.GetUtcNow();
        await db.SaveChangesAsync(context.CancellationToken);
        return ToMessage(referral);
    }

    public static ReferralMessage ToMessage(Referral r)
    {
        var m = new ReferralMessage
        {
            Id = r.PublicId.ToString(), Sequence = r.Sequence, Waybill = r.Waybill, Action = JinDu.BuildingBlocks.Hosting.EnumText.Of(r.Action),
            Reason = r.Reason, IssuingAgency = r.IssuingAgency, IssuedAt = Timestamp.FromDateTimeOffset(r.IssuedAt),
        };
        if (r.AcknowledgedAt is { } at) m.AcknowledgedAt = Timestamp.FromDateTimeOffset(at);
        return m;
    }

    private static string Company(ServerCallContext context) =>
        context.GetHttpContext().User.FindFirst(JinDuClaims.CourierCompany)?.Value
        ?? throw new RpcException(new Status(StatusCode.PermissionDenied, "the token names no courier company"));

    public override async Task SubmitParcels(IAsyncStreamReader<ParcelRecord> requestStream, IServerStreamWriter<ParcelReceipt> responseStream, ServerCallContext context)
    {
        var company = Company(context);
        await ingest.RunAsync(Read(requestStream, context.CancellationToken), company, async receipts =>
        {
            // One flush per batch, not per receipt: each flush is an HTTP/2 frame that the gateway
            // forwards on its own, and a batch's receipts are ready together anyway.
            for (var i = 0; i < receipts.Count; i++)
            {
                context.WriteOptions = i == receipts.Count - 1 ? null : BufferHint;
                var receipt = receipts[i];
                await responseStream.WriteAsync(new ParcelReceipt
                {
                    Position = receipt.Position,
                    Waybill = receipt.Waybill,
                    Status = receipt.Status == ReceiptStatus.Accepted ? ParcelReceipt.Types.Status.Accepted : ParcelReceipt.Types.Status.Rejected,
                    ErrorCode = receipt.ErrorCode ?? "",
                    Field = receipt.Field ?? "",
                    Message = receipt.Message ?? "",
                });
            }
        }, context.CancellationToken);
    }

    private static readonly WriteOptions BufferHint = new(WriteFlags.BufferHint);

    private static async IAsyncEnumerable<FeedLine> Read(IAsyncStreamReader<ParcelRecord> stream, [EnumeratorCancellation] CancellationToken ct)
    {
        while (await stream.MoveNext(ct))
            yield return new FeedLine(ToInput(stream.Current));
    }

    public static ParcelInput ToInput(ParcelRecord r) => new(
        Empty(r.Waybill), Empty(r.Company), Empty(r.OutletCode), r.AcceptedAt?.ToDateTimeOffset(),
        r.Sender is null ? null : new SenderInput(Empty(r.Sender.Name), Empty(r.Sender.IdNumber), Empty(r.Sender.Phone)),
        Empty(r.RecipientPhone), Empty(r.RecipientRegion), Empty(r.OriginRegion), Empty(r.DestinationRegion), Empty(r.DeclaredContents),
        r.WeightGrams == 0 ? null : r.WeightGrams, r.RealNameVerified, r.OpenedAndInspected, Empty(r.Inspector), r.XRayed,
        Empty(r.XrayMachine), Empty(r.XrayResult));

    private static string? Empty(string s) => s.Length == 0 ? null : s;
}

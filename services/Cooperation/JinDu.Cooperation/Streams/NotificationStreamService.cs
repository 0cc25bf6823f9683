using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using JinDu.BuildingBlocks.Auth;
using JinDu.Cooperation.Grpc.V1;
using Microsoft.AspNetCore.Authorization;

namespace JinDu.Cooperation.Streams;

/// <summary>gRPC <c>jindu.cooperation.v1.Notifications/Stream</c>: the caller's agency's notifications, resumable, with heartbeats.</summary>
[Authorize(Roles = Roles.Liaison + "," + Roles.Supervisor + "," + Roles.Analyst)]
public sealed class NotificationStreamService(NotificationFeed feed) : Notifications.NotificationsBase
{
    public override async Task Stream(StreamNotificationsRequest request, IServerStreamWriter<NotificationEvent> responseStream, ServerCallContext context)
    {
        if (request.AfterSequence < 0) throw new RpcException(new Status(StatusCode.InvalidArgument, "after_sequence: must be 0 or more"));
        var agency = context.GetHttpContext().User.Agency();
        try
        {
            await foreach (var item in feed.ReadAsync(agency, request.AfterSequence, context.CancellationToken))
            {
                var evt = item.Notification is { } n
                    ? new NotificationEvent
                    {
                        Notification = new Notification
                        {
                            Id = n.PublicId.ToString(), Sequence = n.Sequence, Type = n.Type, Title = n.Title, SourceAgency = n.SourceAgency,
                            CreatedAt = Timestamp.FromDateTimeOffset(n.CreatedAt), PayloadJson = n.Payload,
                        },
                    }
                    : new NotificationEvent { Heartbeat = new Heartbeat { At = Timestamp.FromDateTimeOffset(item.At), LastSequence = item.LastSequence } };
                await responseStream.WriteAsync(evt, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away; it resumes from its last sequence.
        }
    }
}

using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text.Json;
using JinDu.Cooperation.Streams;
using Microsoft.AspNetCore.Http.HttpResults;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Cooperation.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Apis;

public sealed record NotificationView(Guid Id, long Sequence, string Type, string Title, string SourceAgency, DateTimeOffset CreatedAt, JsonElement Payload);

public sealed record InboxPage(IReadOnlyList<NotificationView> Items, string? NextCursor, long LastSequence);

public static class InboxApi
{
    public const string Group = "cooperation";

    public static IEndpointRouteBuilder MapInboxApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/cooperation/v1/inbox").WithGroupName(Group).WithTags("Inbox")
            .RequireAuthorization(p => p.RequireRole(Roles.Liaison, Roles.Supervisor, Roles.Analyst));

        // In sequence order from a position: ?after=N replays everything after N; nextCursor continues.
        api.MapGet("/", async Task<IResult> (string? cursor, int? limit, long? after, HttpContext http, CooperationDbContext db, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            if (after is < 0) errors.Add("after", "must be 0 or more");
            if (!Cursor.TryRead(cursor, limit, errors, out var position, out var take) || !errors.IsValid) return errors.ToResult();
            var agency = http.User.Agency();
            var from = long.TryParse(position, out var p) ? p : after ?? 0;
            var rows = await db.Notifications.AsNoTracking()
                .Where(n => n.RecipientAgency == agency && n.Sequence > from)
                .OrderBy(n => n.Sequence).Take(take + 1).ToListAsync(ct);
            var last = await db.DeliveryStreams.AsNoTracking().Where(s => s.RecipientAgency == agency).Select(s => s.LastSequence).FirstOrDefaultAsync(ct);
            var next = rows.Count > take ? Cursor.Encode(rows[take - 1].Sequence.ToString()) : null;
            return TypedResults.Ok(new InboxPage(rows.Take(take).Select(ToView).ToList(), next, last));
        });

        // Server-sent events for the console: everything after ?after=N (or the Last-Event-ID the browser resends on
        // reconnect), then live; a heartbeat event when idle so proxies keep the connection.
        api.MapGet("/stream", Results<ServerSentEventsResult<object>, ValidationProblem> (long? after, HttpContext http, NotificationFeed feed, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            var from = after ?? 0;
            if (http.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } lastId && !long.TryParse(lastId, out from))
                errors.Add("Last-Event-ID", "must be a sequence number this stream sent");
            if (from < 0) errors.Add("after", "must be 0 or more");
            if (!errors.IsValid) return errors.ToResult();
            return TypedResults.ServerSentEvents(Events(feed.ReadAsync(http.User.Agency(), from, ct)));
        }).WithSummary("Server-sent events: `notification` events (id = sequence) and `heartbeat` events with the stream's last sequence.");

        api.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, CooperationDbContext db, CancellationToken ct) =>
        {
            var agency = http.User.Agency();
            var n = await db.Notifications.AsNoTracking().FirstOrDefaultAsync(x => x.PublicId == id && x.RecipientAgency == agency, ct);
            return n is null ? Problems.NotFoundProblem("The notification") : TypedResults.Ok(ToView(n));
        });
        return app;
    }

    private static async IAsyncEnumerable<SseItem<object>> Events(IAsyncEnumerable<FeedItem> items)
    {
        await foreach (var item in items)
            yield return item.Notification is { } n
                ? new SseItem<object>(ToView(n), "notification") { EventId = n.Sequence.ToString(CultureInfo.InvariantCulture) }
                : new SseItem<object>(new { lastSequence = item.LastSequence, at = item.At }, "heartbeat");
    }

    private static NotificationView ToView(Model.Notification n) =>
        new(n.PublicId, n.Sequence, n.Type, n.Title, n.SourceAgency, n.CreatedAt, JsonDocument.Parse(n.Payload).RootElement.Clone());
}

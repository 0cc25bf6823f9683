using System.Runtime.CompilerServices;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Streams;

/// <summary>Configuration section <c>Notifications</c>.</summary>
public sealed class StreamOptions
{
    /// <summary>Sent on an idle gRPC stream or server-sent-event connection, so proxies do not cut it.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>Wakes live streams of this instance when a commit stored notifications; streams also poll, for other instances.</summary>
public sealed class NotificationSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

/// <summary>One item of a live feed: a notification, or a heartbeat carrying the stream's latest sequence.</summary>
public sealed record FeedItem(Notification? Notification, long LastSequence, DateTimeOffset At);

/// <summary>
/// An agency's notifications after a position, then live, with heartbeats when idle: what the gRPC stream and the
/// inbox's server-sent events both serve. Resuming from the last sequence received loses nothing.
/// </summary>
public sealed class NotificationFeed(IServiceScopeFactory scopes, NotificationSignal signal, TimeProvider time,
    Microsoft.Extensions.Options.IOptionsMonitor<StreamOptions> options)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public async IAsyncEnumerable<FeedItem> ReadAsync(string agency, long after, [EnumeratorCancellation] CancellationToken ct)
    {
        var position = after;
        // With nothing to catch up on, the first item is a heartbeat at once: the client (and every proxy between)
        // gets the response headers and knows the stream is open before anything happens.
        var lastBeat = DateTimeOffset.MinValue;
        while (!ct.IsCancellationRequested)
        {
            var wake = signal.Next;
            List<Notification> batch;
            long last;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CooperationDbContext>();
                batch = await db.Notifications.AsNoTracking().Where(n => n.RecipientAgency == agency && n.Sequence > position)
                    .OrderBy(n => n.Sequence).Take(200).ToListAsync(ct);
                last = await db.DeliveryStreams.AsNoTracking().Where(s => s.RecipientAgency == agency).Select(s => s.LastSequence).FirstOrDefaultAsync(ct);
            }
            foreach (var n in batch)
            {
                yield return new FeedItem(n, last, time.GetUtcNow());
                position = n.Sequence;
                lastBeat = time.GetUtcNow();
            }
            if (batch.Count == 200) continue;
            if (time.GetUtcNow() - lastBeat >= options.CurrentValue.HeartbeatInterval)
            {
                yield return new FeedItem(null, last, time.GetUtcNow());
                lastBeat = time.GetUtcNow();
            }
            var untilBeat = lastBeat + options.CurrentValue.HeartbeatInterval - time.GetUtcNow();
            var wait = untilBeat < PollInterval ? (untilBeat > TimeSpan.Zero ? untilBeat : TimeSpan.Zero) : PollInterval;
            try { await wake.WaitAsync(wait, time, ct); }
            catch (TimeoutException) { }
            catch (OperationCanceledException) { yield break; }
        }
    }
}

using JinDu.BuildingBlocks.Messaging;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Infrastructure;

/// <summary>
/// How a consumer that writes notices applies an event. On PostgreSQL the whole effect runs in one transaction, so
/// the recipient streams <see cref="NotificationWriter"/> locks stay locked until the commit: concurrent events for one
/// recipient (hundreds a second when a county's residents are flagged elsewhere) queue for its next sequence number
/// instead of racing for it and failing into retries. SQLite (standalone) serialises writers by itself.
/// </summary>
public static class UnitOfWork
{
    /// <returns>False when the event had already been applied.</returns>
    public static Task<bool> ApplyOnceLockedAsync(this CooperationDbContext db, Guid eventId, string consumer, TimeProvider time,
        Func<Task> apply, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql()) return db.ApplyOnceAsync(eventId, consumer, time, apply, ct);
        return db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var applied = await db.ApplyOnceAsync(eventId, consumer, time, apply, ct);
            await tx.CommitAsync(ct);
            return applied;
        });
    }
}

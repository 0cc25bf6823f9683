using JinDu.BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore;

namespace JinDu.BuildingBlocks.Messaging;

/// <summary>
/// Applies an event at most once per consumer: the processed id is stored in the same SaveChanges as
/// the consumer's effect, so a redelivered event (broker redelivery, outbox re-send) has one effect.
/// </summary>
public static class Inbox
{
    /// <param name="apply">Makes the changes on <paramref name="db"/>; the helper saves them with the inbox row.</param>
    /// <returns>False when the event had already been applied.</returns>
    public static async Task<bool> ApplyOnceAsync<TContext>(this TContext db, Guid eventId, string consumer, TimeProvider time,
        Func<Task> apply, CancellationToken cancellationToken) where TContext : ServiceDbContext
    {
        if (await db.InboxMessages.AnyAsync(m => m.MessageId == eventId && m.Consumer == consumer, cancellationToken))
            return false;
        await apply();
        db.InboxMessages.Add(new InboxMessage { MessageId = eventId, Consumer = consumer, ProcessedAt = time.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            // A concurrent delivery of the same event won the race; its effect stands, ours is dropped.
            db.ChangeTracker.Clear();
            if (await db.InboxMessages.AnyAsync(m => m.MessageId == eventId && m.Consumer == consumer, cancellationToken))
                return false;
            throw;
        }
    }
}

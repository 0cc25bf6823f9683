using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;

namespace JinDu.BuildingBlocks.Messaging;

/// <summary>Wakes a service's outbox dispatcher as soon as a commit stored events, so delivery does not wait for the next poll.</summary>
public sealed class OutboxSignal
{
    private readonly ConcurrentDictionary<Type, SemaphoreSlim> _signals = new();

    private SemaphoreSlim For(Type context) => _signals.GetOrAdd(context, _ => new SemaphoreSlim(0, 1));

    public void Notify(Type context)
    {
        var s = For(context);
        if (s.CurrentCount == 0)
        {
            try { s.Release(); }
            catch (SemaphoreFullException) { /* already signalled */ }
        }
    }

    public Task<bool> WaitAsync(Type context, TimeSpan timeout, CancellationToken cancellationToken) =>
        For(context).WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Notices saves that added outbox rows and signals the dispatcher once they are committed: at once after a save that was
/// its own transaction, and after the commit of the caller's transaction otherwise (signalled at the save, the dispatcher
/// would look before the commit, find nothing, and the events would wait for its next poll).
/// </summary>
public sealed class OutboxSaveInterceptor(OutboxSignal signal) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly AsyncLocal<bool> _pending = new();
    private readonly ConditionalWeakTable<DbTransaction, object> _committing = new();

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        _pending.Value = eventData.Context is { } context && HasNewRows(context.ChangeTracker);
        return base.SavingChangesAsync(eventData, result, cancellationToken);
    }

    private static bool HasNewRows(ChangeTracker tracker)
    {
        // Rows are added with DbSet.Add, which marks them at once: no need for the scan of every tracked entity that
        // Entries() starts with (SaveChanges makes that scan itself right after; twice cost a large batch dearly).
        var detect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try { return tracker.Entries<OutboxMessage>().Any(e => e.State == EntityState.Added); }
        finally { tracker.AutoDetectChangesEnabled = detect; }
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (_pending.Value && eventData.Context is { } ctx)
        {
            if (ctx.Database.CurrentTransaction?.GetDbTransaction() is { } transaction) _committing.AddOrUpdate(transaction, ctx.GetType());
            else signal.Notify(ctx.GetType());
        }
        _pending.Value = false;
        return base.SavedChangesAsync(eventData, result, cancellationToken);
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(transaction);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(transaction);

    private void Committed(DbTransaction transaction)
    {
        if (!_committing.TryGetValue(transaction, out var context)) return;
        _committing.Remove(transaction);
        signal.Notify((Type)context);
    }
}

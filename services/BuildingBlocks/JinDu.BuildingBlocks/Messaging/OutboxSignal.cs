using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;

namespace JinDu.BuildingBlocks.Messaging;

/// <summary>
/// Wakes a service's outbox dispatcher as soon as a commit stored events, and hands it the events that commit stored, so
/// that it publishes them at once without reading them back (<see cref="OutboxDispatcher{TContext}"/>). The table stays
/// the record: what is handed over is still there, unsent, until the broker has confirmed it.
/// </summary>
public sealed class OutboxSignal
{
    /// <summary>At most this many events are held in memory for one context; a commit beyond it leaves its events to the table read.</summary>
    public const int MaxHeld = 10_000;

    /// <summary>One context's wake-up and the events handed over for it.</summary>
    internal sealed class Lane
    {
        public readonly SemaphoreSlim Wake = new(0, 1);
        public readonly ConcurrentQueue<OutboxMessage> Committed = new();
        /// <summary>Message ids handed over and neither published and marked nor given back to the table: a table read skips them.</summary>
        public readonly ConcurrentDictionary<Guid, byte> Held = new();
        private int _lookInTable;

        /// <summary>Whether events were committed that were not handed over (and forgets it).</summary>
        public bool TakeLookInTable() => Interlocked.Exchange(ref _lookInTable, 0) == 1;

        public void LookInTable() => Volatile.Write(ref _lookInTable, 1);
    }

    private readonly ConcurrentDictionary<Type, Lane> _lanes = new();

    internal Lane For(Type context) => _lanes.GetOrAdd(context, _ => new Lane());

    /// <summary>A commit of <paramref name="context"/> stored events without handing them over: the dispatcher reads the table.</summary>
    public void Notify(Type context)
    {
        var lane = For(context);
        lane.LookInTable();
        Wake(lane.Wake);
    }

    /// <summary>
    /// These events were committed (their rows are in <paramref name="context"/>'s outbox): the dispatcher publishes them
    /// from memory. Call only after the commit; a rolled-back event must never be handed over.
    /// </summary>
    public void Committed(Type context, IReadOnlyCollection<OutboxMessage> events)
    {
        if (events.Count == 0) return;
        var lane = For(context);
        if (lane.Held.Count + events.Count > MaxHeld)
        {
            Notify(context);
            return;
        }
        foreach (var e in events)
            if (lane.Held.TryAdd(e.MessageId, 0)) lane.Committed.Enqueue(e);
        Wake(lane.Wake);
    }

    /// <summary>Releases a wake-up semaphore (count 0 or 1) unless it is already released.</summary>
    internal static void Wake(SemaphoreSlim wake)
    {
        if (wake.CurrentCount == 0)
        {
            try { wake.Release(); }
            catch (SemaphoreFullException) { /* already woken */ }
        }
    }

    public Task<bool> WaitAsync(Type context, TimeSpan timeout, CancellationToken cancellationToken) =>
        For(context).Wake.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Notices saves that added outbox rows and hands them to the dispatcher once they are committed: at once after a save that
/// was its own transaction, and after the commit of the caller's transaction otherwise (handed over at the save, an event
/// could be published that a rollback then took back). Rows of a transaction that rolls back are never handed over.
/// </summary>
public sealed class OutboxSaveInterceptor(OutboxSignal signal) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly AsyncLocal<List<OutboxMessage>?> _pending = new();
    // Keyed by EF's transaction object, new for every transaction (Npgsql reuses its DbTransaction objects, and a rolled-back
    // transaction's events must never be handed over with a later commit's). Dropped with the transaction when it ends otherwise.
    private readonly ConditionalWeakTable<IDbContextTransaction, Committing> _committing = new();

    private sealed record Committing(Type Context, List<OutboxMessage> Events);

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        _pending.Value = eventData.Context is { } context ? NewRows(context.ChangeTracker) : null;
        return base.SavingChanges(eventData, result);
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        _pending.Value = eventData.Context is { } context ? NewRows(context.ChangeTracker) : null;
        return base.SavingChangesAsync(eventData, result, cancellationToken);
    }

    private static List<OutboxMessage>? NewRows(ChangeTracker tracker)
    {
        // Rows are added with DbSet.Add, which marks them at once: no need for the scan of every tracked entity that
        // Entries() starts with (SaveChanges makes that scan itself right after; twice cost a large batch dearly).
        var detect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            List<OutboxMessage>? rows = null;
            foreach (var entry in tracker.Entries<OutboxMessage>())
                if (entry.State == EntityState.Added) (rows ??= []).Add(entry.Entity);
            return rows;
        }
        finally { tracker.AutoDetectChangesEnabled = detect; }
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData);
        return base.SavedChanges(eventData, result);
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData);
        return base.SavedChangesAsync(eventData, result, cancellationToken);
    }

    private void Saved(SaveChangesCompletedEventData eventData)
    {
        if (_pending.Value is { } rows && eventData.Context is { } ctx)
        {
            if (ctx.Database.CurrentTransaction is { } transaction)
            {
                // Handed over at the commit; several saves in one transaction hand over together.
                if (_committing.TryGetValue(transaction, out var earlier)) earlier.Events.AddRange(rows);
                else _committing.AddOrUpdate(transaction, new Committing(ctx.GetType(), rows));
            }
            else signal.Committed(ctx.GetType(), rows);
        }
        _pending.Value = null;
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(eventData);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData);

    private void Committed(TransactionEndEventData eventData)
    {
        // EF clears the context's current transaction only after this notice.
        if (eventData.Context?.Database.CurrentTransaction is not { } transaction || transaction.TransactionId != eventData.TransactionId
            || !_committing.TryGetValue(transaction, out var committing)) return;
        _committing.Remove(transaction);
        signal.Committed(committing.Context, committing.Events);
    }
}

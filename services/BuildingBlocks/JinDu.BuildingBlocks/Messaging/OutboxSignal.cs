using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

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

/// <summary>Notices commits that added outbox rows and signals the dispatcher after the commit.</summary>
public sealed class OutboxSaveInterceptor(OutboxSignal signal) : SaveChangesInterceptor
{
    private readonly AsyncLocal<bool> _pending = new();

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
        if (_pending.Value && eventData.Context is { } ctx) signal.Notify(ctx.GetType());
        _pending.Value = false;
        return base.SavedChangesAsync(eventData, result, cancellationToken);
    }
}

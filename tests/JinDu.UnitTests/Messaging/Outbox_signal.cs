using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Messaging;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace JinDu.UnitTests.Messaging;

/// <summary>
/// The outbox dispatcher is woken and handed the stored events once they are committed, not before: handed over at the
/// save of a transaction still open, an event could be published that a rollback then took back.
/// </summary>
public sealed class Outbox_signal : IDisposable
{
    private sealed class Db(DbContextOptions<Db> options) : ServiceDbContext(options);

    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly OutboxSignal _signal = new();

    public Outbox_signal()
    {
        _connection.Open();
        using var db = NewDb();
        db.Database.EnsureCreated();
    }

    public void Dispose() => _connection.Dispose();

    private Db NewDb() => new(new DbContextOptionsBuilder<Db>().UseSqlite(_connection).AddInterceptors(new OutboxSaveInterceptor(_signal)).Options);

    private Task<bool> WokenAsync() => _signal.WaitAsync(typeof(Db), TimeSpan.Zero, CancellationToken.None);

    /// <summary>The events handed over so far (taken, as the dispatcher takes them).</summary>
    private List<Guid> HandedOver()
    {
        var lane = _signal.For(typeof(Db));
        var ids = new List<Guid>();
        while (lane.Committed.TryDequeue(out var e)) ids.Add(e.MessageId);
        return ids;
    }

    private static OutboxMessage Event() => new() { MessageId = Guid.NewGuid(), Type = "x", Body = "{}", OccurredAt = DateTimeOffset.UtcNow };

    [Fact]
    public async Task A_save_that_is_its_own_transaction_wakes_the_dispatcher_at_once()
    {
        await using var db = NewDb();
        var e = Event();
        db.OutboxMessages.Add(e);
        await db.SaveChangesAsync();
        Assert.True(await WokenAsync());
        Assert.Equal([e.MessageId], HandedOver());
    }

    [Fact]
    public async Task A_save_inside_a_transaction_wakes_it_at_the_commit_and_not_before()
    {
        await using var db = NewDb();
        await using var tx = await db.Database.BeginTransactionAsync();
        var (first, second) = (Event(), Event());
        db.OutboxMessages.Add(first);
        await db.SaveChangesAsync();
        db.OutboxMessages.Add(second);
        await db.SaveChangesAsync();
        Assert.False(await WokenAsync());
        Assert.Empty(HandedOver());
        await tx.CommitAsync();
        Assert.True(await WokenAsync());
        // Both saves' events, in the order they were saved.
        Assert.Equal([first.MessageId, second.MessageId], HandedOver());
    }

    [Fact]
    public async Task A_transaction_rolled_back_never_wakes_it()
    {
        await using var db = NewDb();
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            db.OutboxMessages.Add(Event());
            await db.SaveChangesAsync();
            await tx.RollbackAsync();
        }
        Assert.False(await WokenAsync());
        Assert.Equal(0, await db.OutboxMessages.CountAsync());

        // Nor with the next transaction's commit on the same connection.
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            db.ChangeTracker.Clear();
            var next = Event();
            db.OutboxMessages.Add(next);
            await db.SaveChangesAsync();
            await tx.CommitAsync();
            Assert.Equal([next.MessageId], HandedOver());
        }
    }

    [Fact]
    public async Task Past_the_limit_of_events_held_in_memory_a_commit_leaves_its_events_to_the_table()
    {
        var lane = _signal.For(typeof(Db));
        for (var i = 0; i < OutboxSignal.MaxHeld; i++) lane.Held.TryAdd(Guid.NewGuid(), 0);
        await using var db = NewDb();
        db.OutboxMessages.Add(Event());
        await db.SaveChangesAsync();
        Assert.True(await WokenAsync());
        Assert.Empty(HandedOver());
        Assert.True(lane.TakeLookInTable());
    }

    [Fact]
    public async Task A_save_without_events_does_not_wake_it()
    {
        await using var db = NewDb();
        db.InboxMessages.Add(new InboxMessage { MessageId = Guid.NewGuid(), Consumer = "c", ProcessedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
        Assert.False(await WokenAsync());
    }
}

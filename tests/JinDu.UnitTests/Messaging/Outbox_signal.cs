using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Messaging;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace JinDu.UnitTests.Messaging;

/// <summary>
/// The outbox dispatcher is woken once stored events are committed, not before: woken at the save of a transaction
/// still open, it would look, find nothing yet, and leave the events for its next poll, a second later.
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

    private static OutboxMessage Event() => new() { MessageId = Guid.NewGuid(), Type = "x", Body = "{}", OccurredAt = DateTimeOffset.UtcNow };

    [Fact]
    public async Task A_save_that_is_its_own_transaction_wakes_the_dispatcher_at_once()
    {
        await using var db = NewDb();
        db.OutboxMessages.Add(Event());
        await db.SaveChangesAsync();
        Assert.True(await WokenAsync());
    }

    [Fact]
    public async Task A_save_inside_a_transaction_wakes_it_at_the_commit_and_not_before()
    {
        await using var db = NewDb();
        await using var tx = await db.Database.BeginTransactionAsync();
        db.OutboxMessages.Add(Event());
        await db.SaveChangesAsync();
        Assert.False(await WokenAsync());
        await tx.CommitAsync();
        Assert.True(await WokenAsync());
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

using System.Collections.Concurrent;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Contracts;
using MassTransit;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JinDu.UnitTests.Messaging;

/// <summary>
/// The dispatcher publishes what commits hand over at once, from memory, and what reached the table otherwise (another
/// instance, a crash, a writer that did not hand it over) from the table: each event once, each row marked sent, nothing
/// a rollback took back. Against an in-memory bus and SQLite.
/// </summary>
public sealed class Outbox_dispatcher : IAsyncLifetime
{
    public sealed record Probe : IIntegrationEvent
    {
        public Guid EventId { get; init; } = Guid.NewGuid();
        public DateTimeOffset OccurredAt { get; init; } = DateTimeOffset.UtcNow;
        public string ProducerAgency { get; init; } = "522722";
        public int SchemaVersion { get; init; } = 1;
        public string Text { get; init; } = "";
    }

    private sealed class Db(DbContextOptions<Db> options) : ServiceDbContext(options);

    private sealed class Recorder(ConcurrentQueue<Probe> received) : IConsumer<Probe>
    {
        public Task Consume(ConsumeContext<Probe> context)
        {
            received.Enqueue(context.Message with { EventId = context.MessageId ?? Guid.Empty });
            return Task.CompletedTask;
        }
    }

    /// <summary>A read model of the probes, kept from the outbox; fails as often as it is told to first.</summary>
    private sealed class Projection : IOutboxProjection<Db>
    {
        public readonly ConcurrentQueue<Probe> Applied = new();
        public int FailuresLeft;

        public bool Handles(Type eventType) => eventType == typeof(Probe);

        public Task ApplyAsync(IReadOnlyList<object> events, CancellationToken cancellationToken)
        {
            if (Interlocked.Decrement(ref FailuresLeft) >= 0) throw new InvalidOperationException("the read model is away");
            foreach (var e in events.Cast<Probe>()) Applied.Enqueue(e);
            return Task.CompletedTask;
        }
    }

    // A file: the dispatcher's rounds mark their rows from connections of their own while the test reads and writes.
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"outbox-dispatcher-{Guid.NewGuid():N}.db");
    private readonly ConcurrentQueue<Probe> _received = new();
    private ServiceProvider _services = null!;
    private IHostedService _dispatcher = null!;

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<OutboxSaveInterceptor>();
        services.AddDbContext<Db>((sp, o) => o.UseSqlite($"Data Source={_file}").AddInterceptors(sp.GetRequiredService<OutboxSaveInterceptor>()));
        services.AddSingleton(_received);
        services.AddMassTransit(x =>
        {
            x.AddConsumer<Recorder>();
            x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });
        services.AddSingleton<Projection>();
        services.AddSingleton<IOutboxProjection<Db>>(sp => sp.GetRequiredService<Projection>());
        services.AddSingleton<OutboxDispatcher<Db>>();
        _services = services.BuildServiceProvider();
        await using (var scope = _services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<Db>().Database.EnsureCreatedAsync();
        // Published before the recorder's queue is bound, an event would go nowhere (and be marked sent).
        var bus = _services.GetRequiredService<IBusControl>();
        await bus.StartAsync();
        for (var until = DateTime.UtcNow.AddSeconds(30); bus.CheckHealth().Status != BusHealthStatus.Healthy; await Task.Delay(20))
            Assert.True(DateTime.UtcNow < until, "the in-memory bus never became healthy");
        _dispatcher = _services.GetRequiredService<OutboxDispatcher<Db>>();
        await _dispatcher.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _dispatcher.StopAsync(CancellationToken.None);
        await _services.GetRequiredService<IBusControl>().StopAsync();
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }

    private async Task<List<Probe>> CommitAsync(int count, bool rollBack = false)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Db>();
        await using var tx = await db.Database.BeginTransactionAsync();
        var probes = Enumerable.Range(0, count).Select(i => new Probe { Text = $"probe {i}" }).ToList();
        foreach (var p in probes) db.OutboxMessages.Add(OutboxMessage.From(p));
        await db.SaveChangesAsync();
        if (rollBack) await tx.RollbackAsync();
        else await tx.CommitAsync();
        return probes;
    }

    /// <summary>Waits until the recorder holds every one of the ids, then a poll interval more for anything sent twice.</summary>
    private async Task<List<Probe>> ReceivedAsync(IEnumerable<Guid> ids)
    {
        var wanted = ids.ToHashSet();
        var until = DateTime.UtcNow.AddSeconds(20);
        while (!wanted.IsSubsetOf(_received.Select(p => p.EventId)))
        {
            Assert.True(DateTime.UtcNow < until, $"{wanted.Except(_received.Select(p => p.EventId)).Count()} of {wanted.Count} events never arrived");
            await Task.Delay(20);
        }
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        return _received.ToList();
    }

    private async Task<List<OutboxMessage>> RowsAsync()
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Db>().OutboxMessages.AsNoTracking().ToListAsync();
    }

    [Fact]
    public async Task Committed_events_are_published_once_each_and_marked_sent()
    {
        var probes = new List<Probe>();
        // More than a round holds, in several commits, while earlier rounds are still being confirmed.
        for (var i = 0; i < 6; i++) probes.AddRange(await CommitAsync(60));
        var received = await ReceivedAsync(probes.Select(p => p.EventId));
        Assert.Equal(probes.Count, received.Count);
        Assert.Equal(probes.Select(p => (p.EventId, p.Text)).Order(), received.Select(p => (p.EventId, p.Text)).Order());
        var rows = await RowsAsync();
        Assert.Equal(probes.Count, rows.Count);
        Assert.All(rows, r => Assert.NotNull(r.SentAt));
        Assert.All(rows, r => Assert.Equal(1, r.Attempts));
    }

    [Fact]
    public async Task A_handed_over_event_is_published_from_memory_not_read_back_from_the_table()
    {
        // Handed over, but with no row to read back: only the hand-over can publish it (the table path would never see it).
        var probe = new Probe { Text = "from memory" };
        _services.GetRequiredService<OutboxSignal>().Committed(typeof(Db), [OutboxMessage.From(probe)]);
        var received = await ReceivedAsync([probe.EventId]);
        Assert.Equal("from memory", Assert.Single(received).Text);
        Assert.Empty(await RowsAsync());
    }

    [Fact]
    public async Task An_event_stored_without_being_handed_over_is_published_from_the_table()
    {
        // As another instance, or a writer past EF that did not hand it over, would leave it: saved without the interceptor.
        var probe = new Probe { Text = "from the table" };
        await using (var other = new Db(new DbContextOptionsBuilder<Db>().UseSqlite($"Data Source={_file}").Options))
        {
            other.OutboxMessages.Add(OutboxMessage.From(probe));
            await other.SaveChangesAsync();
        }
        var received = await ReceivedAsync([probe.EventId]);
        Assert.Equal("from the table", Assert.Single(received).Text);
        Assert.NotNull(Assert.Single(await RowsAsync()).SentAt);
    }

    [Fact]
    public async Task An_event_a_rollback_took_back_is_never_published()
    {
        var taken = await CommitAsync(3, rollBack: true);
        var kept = await CommitAsync(2);
        var received = await ReceivedAsync(kept.Select(p => p.EventId));
        Assert.True(kept.Select(p => p.EventId).Order().SequenceEqual(received.Select(p => p.EventId).Order()),
            $"kept {string.Join(", ", kept.Select(p => p.EventId))}; taken back {string.Join(", ", taken.Select(p => p.EventId))}; received {string.Join(", ", received.Select(p => $"{p.EventId} {p.Text}"))}");
        Assert.DoesNotContain(received, p => taken.Any(t => t.EventId == p.EventId));
    }

    [Fact]
    public async Task A_projection_applies_each_event_in_order_before_its_row_is_marked_sent()
    {
        var probes = new List<Probe>();
        for (var i = 0; i < 4; i++) probes.AddRange(await CommitAsync(25));
        await ReceivedAsync(probes.Select(p => p.EventId));
        var applied = _services.GetRequiredService<Projection>().Applied.ToList();
        Assert.Equal(probes.Select(p => p.EventId), applied.Select(p => p.EventId));
        Assert.All(await RowsAsync(), r => Assert.NotNull(r.SentAt));
    }

    [Fact]
    public async Task What_a_projection_could_not_apply_stays_unsent_and_is_applied_again_from_the_table()
    {
        var projection = _services.GetRequiredService<Projection>();
        projection.FailuresLeft = 1;
        var probes = await CommitAsync(3);
        // Published once with the failed round and once more from the table (at least once), applied once.
        var until = DateTime.UtcNow.AddSeconds(20);
        while (projection.Applied.Count < probes.Count || (await RowsAsync()).Any(r => r.SentAt is null))
        {
            Assert.True(DateTime.UtcNow < until, $"applied {projection.Applied.Count} of {probes.Count}; rows {string.Join(", ", (await RowsAsync()).Select(r => $"{r.SentAt} {r.Attempts} {r.LastError}"))}");
            await Task.Delay(50);
        }
        Assert.Equal(probes.Select(p => p.EventId), projection.Applied.Select(p => p.EventId));
        Assert.All(await RowsAsync(), r =>
        {
            Assert.Equal(2, r.Attempts);
            Assert.Null(r.LastError);
        });
    }
}

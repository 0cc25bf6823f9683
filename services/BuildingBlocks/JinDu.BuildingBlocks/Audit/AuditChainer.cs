using JinDu.BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JinDu.BuildingBlocks.Audit;

/// <summary>
/// Seals audit entries into the hash chain, in id order, one process writer per service database.
/// Entries are inserted unsealed by many concurrent transactions; sealing them afterwards, in order,
/// keeps writers from racing for "the previous hash". An id that is missing (a transaction that rolled
/// back, or one still open) holds the chain until it appears or <see cref="GapPatience"/> has passed.
/// Several instances of a service may run this: an entry is sealed only while it is still unsealed
/// (its hash is a concurrency token), so one instance's seal never overwrites another's.
/// </summary>
public sealed class AuditChainer<TContext>(IServiceScopeFactory scopes, TimeProvider time, ILogger<AuditChainer<TContext>> log)
    : BackgroundService where TContext : ServiceDbContext
{
    public static readonly TimeSpan GapPatience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await SealAsync(stoppingToken); }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested) { log.LogWarning(ex, "Audit chain of {Context}: sealing failed", typeof(TContext).Name); }
            try { await Task.Delay(Interval, time, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Seals what can be sealed now; returns how many entries were sealed.</summary>
    public async Task<int> SealAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var last = await db.AuditEntries.AsNoTracking().Where(e => e.Hash != null).OrderByDescending(e => e.Id)
            .Select(e => new { e.Id, e.Hash }).FirstOrDefaultAsync(ct);
        var previousId = last?.Id ?? 0;
        var previousHash = last?.Hash ?? AuditEntry.Genesis;
        var pending = await db.AuditEntries.Where(e => e.Hash == null && e.Id > previousId).OrderBy(e => e.Id).Take(1000).ToListAsync(ct);
        var sealedCount = 0;
        foreach (var entry in pending)
        {
            // A hole below this entry: wait for it, unless it is old enough to be a rolled-back transaction.
            if (entry.Id != previousId + 1 && time.GetUtcNow() - entry.At < GapPatience) break;
            entry.PreviousHash = previousHash;
            entry.Hash = entry.ComputeHash(previousHash);
            previousId = entry.Id;
            previousHash = entry.Hash;
            sealedCount++;
        }
        if (sealedCount == 0) return 0;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return 0; // another instance sealed them first; start again from its seal next time
        }
        return sealedCount;
    }
}

/// <summary>The outcome of checking a service's audit chain.</summary>
public sealed record AuditVerification(bool Intact, long Sealed, long Unsealed, long? FirstBrokenId, string? Problem);

public static class AuditVerifier
{
    /// <summary>Recomputes every sealed entry's hash in order; the first entry that does not match is named.</summary>
    public static async Task<AuditVerification> VerifyAsync(ServiceDbContext db, CancellationToken ct)
    {
        var previous = AuditEntry.Genesis;
        long count = 0, after = 0;
        while (true)
        {
            var batch = await db.AuditEntries.AsNoTracking().Where(e => e.Hash != null && e.Id > after).OrderBy(e => e.Id).Take(5000).ToListAsync(ct);
            if (batch.Count == 0) break;
            foreach (var e in batch)
            {
                if (e.PreviousHash != previous)
                    return new(false, count, 0, e.Id, $"entry {e.Id} does not follow the entry before it (an entry was removed or replaced)");
                if (e.ComputeHash(previous) != e.Hash)
                    return new(false, count, 0, e.Id, $"entry {e.Id} was changed after it was sealed");
                previous = e.Hash!;
                count++;
            }
            after = batch[^1].Id;
        }
        var unsealed = await db.AuditEntries.LongCountAsync(e => e.Hash == null, ct);
        return new(true, count, unsealed, null, null);
    }
}

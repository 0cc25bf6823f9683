using Microsoft.EntityFrameworkCore;

namespace JinDu.Screening.Infrastructure;

/// <summary>
/// Saves a small unit of work, such as an inspection post's rows, on PostgreSQL in one round trip. When its ids are known
/// beforehand (the inspection's from a sequence, see ScreeningDbContext), EF sends every INSERT in one batch, and
/// PostgreSQL runs a batch that has no explicit transaction as one implicit transaction: all of it is stored or none (a
/// unique-key failure rolls back the rest). An explicit transaction would cost a COMMIT round trip more for nothing;
/// partner-latency's posts had taken four round trips. A unit of work that would need more than one batch
/// (<see cref="Fits"/>) is saved in a transaction as usual, and so is everything on SQLite.
/// </summary>
public static class SingleBatch
{
    /// <summary>Well below EF's own batch size limit (1,000 statements on Npgsql), so a unit of work this small is never cut in two by size.</summary>
    public const int MaxRows = 100;

    /// <summary>
    /// True when every change can go in one batch: at most <see cref="MaxRows"/> rows, and no row waiting for a key the
    /// database has yet to generate (a foreign key still holding EF's temporary value, as a child of a row with an
    /// identity column does). EF starts a new batch for such a row once the earlier batch has returned the key, and
    /// without a transaction the first batch would then be committed on its own.
    /// </summary>
    public static bool Fits(DbContext db)
    {
        var rows = 0;
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted)) continue;
            if (++rows > MaxRows) return false;
            foreach (var property in entry.Properties)
                if (property.IsTemporary && property.Metadata.IsForeignKey()) return false;
        }
        return true;
    }

    /// <summary>SaveChanges, without an explicit transaction when the changes go in one batch on PostgreSQL.</summary>
    public static async Task SaveChangesAsync(DbContext db, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql() || !Fits(db))
        {
            await db.SaveChangesAsync(ct);
            return;
        }
        var behaviour = db.Database.AutoTransactionBehavior;
        db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
        try { await db.SaveChangesAsync(ct); }
        finally { db.Database.AutoTransactionBehavior = behaviour; }
    }
}

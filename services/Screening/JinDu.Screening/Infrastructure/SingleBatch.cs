using Microsoft.EntityFrameworkCore;

namespace JinDu.Screening.Infrastructure;

/// <summary>Whether EF will send a context's pending changes to the server as one batch (one round trip).</summary>
public static class SingleBatch
{
    /// <summary>Well below EF's own batch size limit, so a unit of work this small is never cut in two by size.</summary>
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
}

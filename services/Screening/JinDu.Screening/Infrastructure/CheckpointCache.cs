using JinDu.Screening.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace JinDu.Screening.Infrastructure;

/// <summary>
/// The checkpoints officers post from, kept in memory for <see cref="Lifetime"/>: every post needs its checkpoint, and
/// asking the database each time was one of a post's four round trips to PostgreSQL. A change made through this
/// instance (<see cref="Forget"/>) is seen at once; one made through another instance of Screening is seen here within
/// <see cref="Lifetime"/> (a checkpoint closed there a moment ago may take posts here until then).
/// Only checkpoints that exist are kept: one registered a moment ago is found at its first post.
/// </summary>
public sealed class CheckpointCache(IMemoryCache cache)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private sealed record Entry(long Id, Guid PublicId, string AgencyCode, string Name, CheckpointKind Kind, string Location, bool Active);

    private static readonly Func<ScreeningDbContext, Guid, string, CancellationToken, Task<Checkpoint?>> Load =
        EF.CompileAsyncQuery((ScreeningDbContext db, Guid id, string agency, CancellationToken ct) =>
            db.Checkpoints.AsNoTracking().FirstOrDefault(c => c.PublicId == id && c.AgencyCode == agency));

    /// <summary>The agency's checkpoint, attached to <paramref name="db"/> as unchanged (a new inspection may point at it); null when the agency has none by that id.</summary>
    public async Task<Checkpoint?> FindAsync(ScreeningDbContext db, Guid id, string agency, CancellationToken ct)
    {
        var key = (typeof(CheckpointCache), id, agency);
        if (!cache.TryGetValue(key, out Entry? entry))
        {
            var loaded = await Load(db, id, agency, ct);
            if (loaded is null) return null;
            entry = new Entry(loaded.Id, loaded.PublicId, loaded.AgencyCode, loaded.Name, loaded.Kind, loaded.Location, loaded.Active);
            cache.Set(key, entry, Lifetime);
        }
        // A fresh instance for each context: the cached values are never tracked (nor changed) by any of them.
        return db.Checkpoints.Local.FindEntry(entry!.Id)?.Entity ?? db.Checkpoints.Attach(new Checkpoint
        {
            Id = entry.Id, PublicId = entry.PublicId, AgencyCode = entry.AgencyCode, Name = entry.Name, Kind = entry.Kind,
            Location = entry.Location, Active = entry.Active,
        }).Entity;
    }

    /// <summary>After a change to the checkpoint: the next post reads it again.</summary>
    public void Forget(Guid id, string agency) => cache.Remove((typeof(CheckpointCache), id, agency));
}

using JinDu.BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Apis;

internal static class Saving
{
    /// <summary>
    /// Saves a create with its idempotent answer; when the same key raced in twice, the winner's answer is the answer.
    /// Returns null when saved.
    /// </summary>
    public static async Task<IResult?> SaveCreateAsync(this ServiceDbContext db, IdempotentRequest idempotency, HttpContext http, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return null;
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation() && idempotency.HasKey)
        {
            if (await idempotency.ReplayWinnerAsync(db, http, ct) is { } replay) return replay;
            throw;
        }
    }
}

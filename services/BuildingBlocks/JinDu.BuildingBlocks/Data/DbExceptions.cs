using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace JinDu.BuildingBlocks.Data;

public static class DbExceptions
{
    /// <summary>True when a save failed on a unique key: the same thing was written by someone else first.</summary>
    public static bool IsUniqueViolation(this DbUpdateException ex) => ex.InnerException is { } inner && IsUniqueViolation(inner);

    /// <summary>
    /// The same for an exception from raw ADO.NET (a COPY or a prepared command), or from EF as a
    /// <see cref="DbUpdateException"/>.
    /// </summary>
    public static bool IsUniqueViolation(this Exception ex) => ex switch
    {
        DbUpdateException update => update.InnerException is { } inner && IsUniqueViolation(inner),
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 1555 or 2067,
        _ => false,
    };
}

using Npgsql;

namespace JinDu.Cooperation.Infrastructure;

/// <summary>The set-based statements Cooperation sends on PostgreSQL: positional parameters ($1, $2, …), arrays for unnest.</summary>
internal static class PgBatch
{
    public static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }
}

namespace JinDu.BuildingBlocks.Data;

/// <summary>
/// Fixed 64-bit keys for PostgreSQL's transaction-level advisory locks (pg_advisory_xact_lock), the same in
/// every process and release: FNV-1a over the name (string.GetHashCode differs per process).
/// </summary>
public static class LockKeys
{
    public static long Of(string name)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in name) hash = (hash ^ c) * 1099511628211UL;
        return unchecked((long)hash);
    }
}

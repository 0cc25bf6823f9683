using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace JinDu.BuildingBlocks.Data;

/// <summary>
/// Lets `dotnet ef migrations add` build a service's context for PostgreSQL, the provider whose
/// migrations we keep (infra/scripts/add-migration.sh). No database is contacted.
/// </summary>
public abstract class PostgresDesignTimeFactory<TContext> : IDesignTimeDbContextFactory<TContext> where TContext : ServiceDbContext
{
    public TContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<TContext>().UseNpgsql("Host=localhost;Database=jindu_design").Options;
        return (TContext)Activator.CreateInstance(typeof(TContext), options)!;
    }
}

using JinDu.BuildingBlocks.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace JinDu.BuildingBlocks.Data;

public static class DatabaseSetup
{
    /// <summary>
    /// The service's own database: Database:Provider selects Sqlite (standalone, a file under the data
    /// folder) or Postgres (distributed, ConnectionStrings:{name}). The schema is applied at start:
    /// EF Core migrations on PostgreSQL, the model itself on SQLite.
    /// </summary>
    /// <param name="tunePostgres">Connection settings one service needs beyond these (PostgreSQL only).</param>
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(this IHostApplicationBuilder builder, string name,
        Action<NpgsqlConnectionStringBuilder>? tunePostgres = null)
        where TContext : ServiceDbContext
    {
        var provider = builder.Configuration["Database:Provider"] ?? "Sqlite";
        var connectionString = builder.Configuration.GetConnectionString(name);
        var postgres = provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase);
        if (!postgres && connectionString is null)
        {
            var dataDir = builder.Configuration["DataDirectory"] ?? Path.Combine(AppContext.BaseDirectory, "data");
            Directory.CreateDirectory(dataDir);
            connectionString = $"Data Source={Path.Combine(dataDir, name + ".db")};Cache=Shared;Pooling=True";
        }
        if (connectionString is null)
            throw new InvalidOperationException($"ConnectionStrings:{name} is required with Database:Provider=Postgres");
        if (postgres)
        {
            // No session state is ever left on a connection (no SET, no temporary tables, no LISTEN, no
            // session-level advisory locks: the feed's are transaction-level), so a pooled connection need not
            // be reset with a round trip each time it is taken: that reset was one more statement on the server
            // for every request.
            // Every service runs the same few statements over and over (a post's INSERTs, a batch's hundreds of
            // the same INSERT, the outbox's reads and marks): prepared once per connection after a few uses, PostgreSQL
            // stops parsing and planning each of them again.
            var settings = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
            if (settings.MaxAutoPrepare == 0) settings.MaxAutoPrepare = 100;
            tunePostgres?.Invoke(settings);
            connectionString = settings.ConnectionString;
        }

        builder.Services.TryAddSingleton<OutboxSignal>();
        builder.Services.TryAddSingleton<OutboxSaveInterceptor>();
        // Pooled: setting up a fresh context's internal services was 8% of Screening's CPU per inspection post.
        builder.Services.AddDbContextPool<TContext>((sp, o) =>
        {
            if (postgres) o.UseNpgsql(connectionString, n => n.EnableRetryOnFailure(3));
            else o.UseSqlite(connectionString);
            o.AddInterceptors(sp.GetRequiredService<OutboxSaveInterceptor>());
        });
        builder.Services.AddHostedService<DatabaseInitializer<TContext>>();
        // Every service database keeps its own hash-chained audit trail.
        builder.Services.TryAddSingleton<Audit.AuditTrail>();
        builder.Services.AddHostedService<Audit.AuditChainer<TContext>>();
        builder.Services.AddHealthChecks().AddDbContextCheck<TContext>(name + "-db", tags: ["ready"]);
        return builder;
    }
}

/// <summary>Brings the schema up to date before the service takes requests.</summary>
internal sealed class DatabaseInitializer<TContext>(IServiceProvider services, ILogger<DatabaseInitializer<TContext>> log)
    : IHostedService where TContext : ServiceDbContext
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        if (db.Database.IsNpgsql())
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
        else
        {
            await db.Database.EnsureCreatedAsync(cancellationToken);
            // WAL lets readers go on while the outbox dispatcher and requests write.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        log.LogInformation("{Context} schema ready ({Provider})", typeof(TContext).Name, db.Database.ProviderName);
        foreach (var seeder in scope.ServiceProvider.GetServices<IDataSeeder<TContext>>())
            await seeder.SeedAsync(db, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Demo or reference data a service puts into its database at start (idempotent).</summary>
public interface IDataSeeder<in TContext> where TContext : ServiceDbContext
{
    Task SeedAsync(TContext db, CancellationToken cancellationToken);
}

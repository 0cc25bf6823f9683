using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Caching;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Messaging;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Screening.Apis;
using JinDu.Screening.Couriers;
using JinDu.Screening.Infrastructure;
using JinDu.Screening.Watchlist;

namespace JinDu.Screening.Extensions;

public static class ScreeningExtensions
{
    /// <summary>Everything Screening needs except the bus, so it runs alone or inside the standalone host.</summary>
    public static IHostApplicationBuilder AddScreening(this IHostApplicationBuilder builder)
    {
        builder.AddPersonalData();
        builder.AddServiceDatabase<ScreeningDbContext>("Screening");
        builder.AddOutbox<ScreeningDbContext>();
        if (builder.Configuration.GetValue("Demo:Seed", false))
            builder.Services.AddSingleton<IDataSeeder<ScreeningDbContext>, DemoCheckpoints>();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<CheckpointCache>();
        builder.Services.AddScoped<InspectionFactory>();
        builder.Services.AddSingleton<ParcelValidator>();
        builder.Services.AddSingleton<ParcelIngest>();
        builder.Services.AddScoped<ParcelBatchWriter>();
        builder.Services.AddSingleton<ReferralSignal>();
        builder.Services.AddGrpc();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddOpenApi(InspectionsApi.Group, o => o.ShouldInclude = d => d.GroupName == InspectionsApi.Group);

        // Distributed: read Leads' watchlist cache in Redis, and ask Leads over gRPC when the cache does not
        // answer (or is not configured). The standalone host registers an in-process lookup instead.
        if (builder.Configuration["Services:Leads"] is { Length: > 0 } leads)
        {
            builder.Services.AddGrpcClient<Leads.Grpc.V1.Watchlist.WatchlistClient>(o => o.Address = new Uri(leads))
                // Leads back after an outage is asked again within seconds (the default back-off reaches 2 minutes).
                .ConfigureChannel(c => c.MaxReconnectBackoff = TimeSpan.FromSeconds(5));
            builder.Services.AddScoped<GrpcWatchlistLookup>();
            // Screening works without the cache (through Leads), so Redis does not gate its readiness.
            if (builder.Configuration.GetValue("Watchlist:ReadCache", true) && builder.AddRedisIfConfigured(required: false))
                builder.Services.AddScoped<IWatchlistLookup, CachedWatchlistLookup>();
            else
                builder.Services.AddScoped<IWatchlistLookup>(sp => sp.GetRequiredService<GrpcWatchlistLookup>());
        }
        return builder;
    }

    public static IEndpointRouteBuilder MapScreeningApi(this IEndpointRouteBuilder app)
    {
        app.MapInspectionsApi().MapCheckpointsApi().MapCourierFeedApi().MapComplianceApi().MapReferralsApi();
        app.MapGrpcService<CourierFeedService>();
        app.MapAuditApi<ScreeningDbContext>(InspectionsApi.Group);
        return app;
    }
}

using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Caching;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Messaging;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Leads.Apis;
using JinDu.Leads.Consumers;
using JinDu.Leads.Correlation;
using JinDu.Leads.Grpc;
using JinDu.Leads.Infrastructure;
using JinDu.Leads.Watchlist;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JinDu.Leads.Extensions;

public static class LeadsExtensions
{
    public static IHostApplicationBuilder AddLeads(this IHostApplicationBuilder builder)
    {
        builder.AddPersonalData();
        builder.AddServiceDatabase<LeadsDbContext>("Leads");
        builder.AddOutbox<LeadsDbContext>();
        builder.Services.AddGrpc(o => o.EnableDetailedErrors = builder.Environment.IsDevelopment());
        builder.Services.AddScoped<WatchlistQuery>();
        builder.Services.AddScoped<Correlator>();
        builder.Services.AddScoped<HitTasks>();
        builder.Services.AddScoped<FlagBatchReader>();
        builder.Services.AddScoped<FlagBatchWriter>();
        FlagBatchOptions.AddTo(builder.Services, builder.Configuration);
        builder.Services.TryAddSingleton(sp => new LeadsClock(sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<HitTaskEscalator>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HitTaskEscalator>());
        if (builder.AddRedisIfConfigured()) builder.Services.AddSingleton<IWatchlistIndex, RedisWatchlistIndex>();
        else builder.Services.AddSingleton<IWatchlistIndex, InMemoryWatchlistIndex>();
        builder.Services.AddHostedService<WatchlistRebuilder>();
        builder.Services.AddSingleton<IOutboxProjection<LeadsDbContext>, WatchlistProjection>();
        builder.Services.AddOpenApi(LeadsApi.Group, o => o.ShouldInclude = d => d.GroupName == LeadsApi.Group);
        return builder;
    }

    public static IBusRegistrationConfigurator AddLeadsConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<FlagToLeadConsumer, FlagToLeadConsumerDefinition>();
        bus.AddConsumer<WatchlistHitConsumer>();
        return bus;
    }

    public static IEndpointRouteBuilder MapLeadsApi(this IEndpointRouteBuilder app)
    {
        app.MapLeadsEndpoints();
        app.MapGrpcService<WatchlistService>();
        app.MapAuditApi<LeadsDbContext>(LeadsApi.Group);
        return app;
    }
}

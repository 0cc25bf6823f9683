using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Messaging;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Cooperation.Apis;
using JinDu.Cooperation.Consumers;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Sharing;
using MassTransit;

namespace JinDu.Cooperation.Extensions;

public static class CooperationExtensions
{
    public static IHostApplicationBuilder AddCooperation(this IHostApplicationBuilder builder)
    {
        builder.AddPersonalData();
        builder.AddServiceDatabase<CooperationDbContext>("Cooperation");
        builder.AddOutbox<CooperationDbContext>();
        builder.Services.AddScoped<NotificationWriter>();
        builder.Services.AddScoped<SharingRules>();
        builder.Services.AddScoped<NoticeRouter>();
        if (builder.Configuration.GetValue("Demo:Seed", false))
            builder.Services.AddSingleton<IDataSeeder<CooperationDbContext>, DemoAgencies>();
        builder.Services.AddOpenApi(InboxApi.Group, o => o.ShouldInclude = d => d.GroupName == InboxApi.Group);
        return builder;
    }

    public static IBusRegistrationConfigurator AddCooperationConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<HouseholdNoticeConsumer>();
        return bus;
    }

    public static IEndpointRouteBuilder MapCooperationApi(this IEndpointRouteBuilder app) =>
        app.MapInboxApi().MapAgenciesApi().MapAgreementsApi().MapGroupsApi().MapSubscriptionsApi()
            .MapAuditApi<CooperationDbContext>(InboxApi.Group);
}

using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Messaging;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Cooperation.Apis;
using JinDu.Cooperation.Consumers;
using JinDu.Cooperation.Infrastructure;
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
        builder.Services.AddOpenApi(InboxApi.Group, o => o.ShouldInclude = d => d.GroupName == InboxApi.Group);
        return builder;
    }

    public static IBusRegistrationConfigurator AddCooperationConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<HouseholdNoticeConsumer>();
        return bus;
    }

    public static IEndpointRouteBuilder MapCooperationApi(this IEndpointRouteBuilder app) =>
        app.MapInboxApi().MapAuditApi<CooperationDbContext>(InboxApi.Group);
}

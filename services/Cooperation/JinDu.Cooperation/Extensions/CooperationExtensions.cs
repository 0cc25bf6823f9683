using JinDu.BuildingBlocks.Audit;
using JinDu.BuildingBlocks.Data;
using JinDu.BuildingBlocks.Messaging;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Cooperation.Apis;
using JinDu.Cooperation.Assistance;
using JinDu.Cooperation.Consumers;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Sharing;
using JinDu.Cooperation.Streams;
using JinDu.Cooperation.Webhooks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JinDu.Cooperation.Extensions;

public static class CooperationExtensions
{
    public static IHostApplicationBuilder AddCooperation(this IHostApplicationBuilder builder)
    {
        builder.AddPersonalData();
        builder.AddServiceDatabase<CooperationDbContext>("Cooperation");
        builder.AddOutbox<CooperationDbContext>();
        builder.Services.TryAddSingleton(sp => new CooperationClock(sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddScoped<NotificationWriter>();
        builder.Services.AddScoped<NoticeBatches>();
        NoticeBatchOptions.AddTo(builder.Services, builder.Configuration);
        builder.Services.AddScoped<SharingRules>();
        builder.Services.AddScoped<NoticeRouter>();
        builder.AddWebhooks();
        builder.Services.Configure<StreamOptions>(builder.Configuration.GetSection("Notifications"));
        builder.Services.AddSingleton<NotificationSignal>();
        builder.Services.AddSingleton<NotificationFeed>();
        builder.Services.AddGrpc();
        builder.Services.Configure<AssistanceOptions>(builder.Configuration.GetSection("Assistance"));
        builder.Services.AddScoped<AssistanceDesk>();
        builder.Services.AddSingleton<AssistanceDeadlines>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AssistanceDeadlines>());
        if (builder.Configuration.GetValue("Demo:Seed", false))
            builder.Services.AddSingleton<IDataSeeder<CooperationDbContext>, DemoAgencies>();
        builder.Services.AddOpenApi(InboxApi.Group, o => o.ShouldInclude = d => d.GroupName == InboxApi.Group);
        return builder;
    }

    public static IBusRegistrationConfigurator AddCooperationConsumers(this IBusRegistrationConfigurator bus)
    {
        // The high-volume notices in batches (see NoticeBatches); their single consumers serve the batches' fallback queues.
        bus.AddConsumer<HouseholdNoticeBatchConsumer, NoticeBatchDefinition<HouseholdNoticeBatchConsumer>>();
        bus.AddConsumer<LeadNoticeBatchConsumer, NoticeBatchDefinition<LeadNoticeBatchConsumer>>();
        bus.AddConsumer<HouseholdNoticeConsumer, NoticeSingleDefinition<HouseholdNoticeConsumer>>();
        bus.AddConsumer<DeconflictionNoticeConsumer, NoticeSingleDefinition<DeconflictionNoticeConsumer>>();
        bus.AddConsumer<HitConfirmationNoticeConsumer, NoticeSingleDefinition<HitConfirmationNoticeConsumer>>();
        bus.AddConsumer<LeadSharedConsumer>();
        return bus;
    }

    public static IEndpointRouteBuilder MapCooperationApi(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<NotificationStreamService>();
        return app.MapInboxApi().MapAgenciesApi().MapAgreementsApi().MapGroupsApi().MapSubscriptionsApi().MapWebhooksApi().MapAssistanceApi()
            .MapAuditApi<CooperationDbContext>(InboxApi.Group);
    }

    /// <summary>Webhook delivery: its options, clock, SSRF-guarded client (no redirects, no proxies) and dispatcher.</summary>
    private static void AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<WebhookOptions>(builder.Configuration.GetSection("Webhooks"));
        builder.Services.AddSingleton<WebhookSignal>();
        builder.Services.AddSingleton<WebhookTargetGuard>();
        builder.Services.AddSingleton<EndpointSecrets>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<WebhookDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        builder.Services.AddSingleton<WebhookHousekeeping>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookHousekeeping>());
        builder.Services.AddHttpClient(WebhookSender.ClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                ConnectCallback = sp.GetRequiredService<WebhookTargetGuard>().ConnectAsync,
            })
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
    }
}

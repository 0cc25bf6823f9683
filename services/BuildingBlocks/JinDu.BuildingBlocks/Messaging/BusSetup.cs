using JinDu.BuildingBlocks.Data;
using JinDu.Contracts;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JinDu.BuildingBlocks.Messaging;

public static class BusSetup
{
    /// <summary>
    /// The message bus: Messaging:Transport selects InMemory (standalone) or RabbitMq (distributed,
    /// Messaging:RabbitMq = amqp URI). On RabbitMQ every receive endpoint is a durable quorum queue with
    /// a delivery limit, retries back off in process, and what still fails lands in the queue's _error
    /// queue for an operator to inspect and move back. Publishes are confirmed by the broker.
    /// </summary>
    public static IHostApplicationBuilder AddJinDuBus(this IHostApplicationBuilder builder, string endpointPrefix,
        Action<IBusRegistrationConfigurator> registerConsumers)
    {
        var transport = builder.Configuration["Messaging:Transport"] ?? "InMemory";
        var deliveryLimit = builder.Configuration.GetValue("Messaging:DeliveryLimit", 5);
        if (BrokerUri(builder.Configuration) is { } brokerUri)
        {
            builder.Services.AddSingleton(new BrokerHealthCheck(new Uri(brokerUri)));
            builder.Services.AddHealthChecks().AddCheck<BrokerHealthCheck>("broker", tags: ["ready"]);
        }
        builder.Services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(endpointPrefix, false));
            registerConsumers(x);
            x.AddConfigureEndpointsCallback((_, _, cfg) =>
            {
                cfg.UseMessageRetry(r => r.Intervals(100, 500, 2_000, 5_000));
                if (cfg is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.SetQuorumQueue();
                    rabbit.SetQueueArgument("x-delivery-limit", deliveryLimit);
                }
            });
            if (transport.Equals("RabbitMq", StringComparison.OrdinalIgnoreCase))
            {
                var uri = builder.Configuration["Messaging:RabbitMq"]
                    ?? throw new InvalidOperationException("Messaging:RabbitMq (an amqp:// URI) is required with Messaging:Transport=RabbitMq");
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(new Uri(uri), h => h.PublisherConfirmation = true);
                    cfg.Publish<IIntegrationEvent>(p => p.Exclude = true);
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingInMemory((context, cfg) =>
                {
                    cfg.Publish<IIntegrationEvent>(p => p.Exclude = true);
                    cfg.ConfigureEndpoints(context);
                });
            }
        });
        return builder;
    }

    /// <summary>
    /// Queues this service declared in an earlier version and no longer consumes from, deleted at start on RabbitMQ
    /// (<see cref="RetiredQueues"/>); nothing to do in memory.
    /// </summary>
    public static IHostApplicationBuilder RetireQueues(this IHostApplicationBuilder builder, params string[] names)
    {
        if (BrokerUri(builder.Configuration) is { } brokerUri)
            builder.Services.AddHostedService(sp => new RetiredQueues(new Uri(brokerUri), names,
                sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<RetiredQueues>>()));
        return builder;
    }

    /// <summary>The broker's amqp URI when RabbitMQ is the transport and one is configured; null in memory.</summary>
    private static string? BrokerUri(IConfiguration configuration) =>
        (configuration["Messaging:Transport"] ?? "InMemory").Equals("RabbitMq", StringComparison.OrdinalIgnoreCase) ? configuration["Messaging:RabbitMq"] : null;

    /// <summary>Stores events with the service's data and publishes them after commit (see <see cref="OutboxDispatcher{TContext}"/>).</summary>
    public static IHostApplicationBuilder AddOutbox<TContext>(this IHostApplicationBuilder builder) where TContext : ServiceDbContext
    {
        builder.Services.AddHostedService<OutboxDispatcher<TContext>>();
        return builder;
    }
}

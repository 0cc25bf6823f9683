using JinDu.Cooperation.Infrastructure;
using JinDu.Leads.Contracts.Events;
using JinDu.Screening.Contracts.Events;
using MassTransit;
using Microsoft.Extensions.Options;

namespace JinDu.Cooperation.Consumers;

/// <summary>
/// The high-volume notice queues take their events in batches (<see cref="NoticeBatches"/>): one transaction, one lock
/// per recipient stream and one commit for up to <see cref="NoticeBatchOptions.MessageLimit"/> events. Each applies an
/// event exactly as its single consumer does (same code, same inbox name), which still serves that queue's
/// <c>-single</c> endpoint: there an event that failed in a batch and on its own gets the usual retries and error queue.
/// </summary>
public sealed class HouseholdNoticeBatchConsumer(HouseholdNoticeConsumer single, NoticeBatches batches)
    : IConsumer<Batch<InspectionFlagged>>, IConsumer<Batch<ParcelFlagged>>
{
    public const string Queue = "cooperation-household-notice";

    public Task Consume(ConsumeContext<Batch<InspectionFlagged>> context) =>
        batches.ConsumeAsync(context, HouseholdNoticeConsumer.InboxName, NoticeQueues.Single(Queue), e => e.EventId, single.ApplyAsync);

    public Task Consume(ConsumeContext<Batch<ParcelFlagged>> context) =>
        batches.ConsumeAsync(context, HouseholdNoticeConsumer.InboxName, NoticeQueues.Single(Queue), e => e.EventId, single.ApplyAsync);
}

/// <inheritdoc cref="HouseholdNoticeBatchConsumer"/>
public sealed class DeconflictionNoticeBatchConsumer(DeconflictionNoticeConsumer single, NoticeBatches batches) : IConsumer<Batch<LeadsCorrelated>>
{
    public const string Queue = "cooperation-deconfliction-notice";

    public Task Consume(ConsumeContext<Batch<LeadsCorrelated>> context) =>
        batches.ConsumeAsync(context, DeconflictionNoticeConsumer.InboxName, NoticeQueues.Single(Queue), e => e.EventId, single.ApplyAsync);
}

/// <inheritdoc cref="HouseholdNoticeBatchConsumer"/>
/// <remarks>Overdue tasks are few, but they share the queue (and its broker bindings) with the requests, so they are
/// batched too rather than moved to a queue of their own.</remarks>
public sealed class HitConfirmationNoticeBatchConsumer(HitConfirmationNoticeConsumer single, NoticeBatches batches)
    : IConsumer<Batch<HitConfirmationRequested>>, IConsumer<Batch<HitConfirmationOverdue>>
{
    public const string Queue = "cooperation-hit-confirmation-notice";

    public Task Consume(ConsumeContext<Batch<HitConfirmationRequested>> context) =>
        batches.ConsumeAsync(context, HitConfirmationNoticeConsumer.InboxName, NoticeQueues.Single(Queue), e => e.EventId, single.ApplyAsync);

    public Task Consume(ConsumeContext<Batch<HitConfirmationOverdue>> context) =>
        batches.ConsumeAsync(context, HitConfirmationNoticeConsumer.InboxName, NoticeQueues.Single(Queue), e => e.EventId, single.ApplyAsync);
}

public static class NoticeQueues
{
    /// <summary>The endpoint of a batch queue's single consumer: bound to no exchange, it only takes what its batches forward.</summary>
    public static string Single(string batchQueue) => batchQueue + "-single";
}

/// <summary>
/// A batch queue keeps the name the single consumer's queue had (and so its broker bindings), and is given enough
/// prefetch and concurrency to fill <see cref="NoticeBatchOptions.ConcurrencyLimit"/> batches of every message type at
/// once: with less, a batch could never reach its message limit and every one would wait out its time limit.
/// </summary>
public sealed class NoticeBatchDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    private readonly NoticeBatchOptions _options;
    private readonly int _messageTypes;

    public NoticeBatchDefinition(IOptions<NoticeBatchOptions> options)
    {
        _options = options.Value;
        var (queue, types) = typeof(TConsumer).Name switch
        {
            nameof(HouseholdNoticeBatchConsumer) => (HouseholdNoticeBatchConsumer.Queue, 2),
            nameof(DeconflictionNoticeBatchConsumer) => (DeconflictionNoticeBatchConsumer.Queue, 1),
            nameof(HitConfirmationNoticeBatchConsumer) => (HitConfirmationNoticeBatchConsumer.Queue, 2),
            _ => throw new InvalidOperationException($"{typeof(TConsumer).Name} is not a notice batch consumer"),
        };
        EndpointName = queue;
        _messageTypes = types;
        ConcurrentMessageLimit = _options.MessageLimit * _options.ConcurrencyLimit * _messageTypes;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        var capacity = _options.MessageLimit * _options.ConcurrencyLimit * _messageTypes;
        endpointConfigurator.PrefetchCount = Math.Max(endpointConfigurator.PrefetchCount, capacity);
        endpointConfigurator.ConcurrentMessageLimit = capacity;
        consumerConfigurator.Options<BatchOptions>(o => o
            .SetMessageLimit(_options.MessageLimit)
            .SetTimeLimit(_options.TimeLimit)
            .SetTimeLimitStart(BatchTimeLimitStart.FromFirst)
            .SetConcurrencyLimit(_options.ConcurrencyLimit));
    }
}

/// <summary>A notice consumer's fallback endpoint (<see cref="NoticeQueues.Single"/>): not subscribed to its events.</summary>
public sealed class NoticeSingleDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    public NoticeSingleDefinition()
    {
        EndpointName = NoticeQueues.Single(typeof(TConsumer).Name switch
        {
            nameof(HouseholdNoticeConsumer) => HouseholdNoticeBatchConsumer.Queue,
            nameof(DeconflictionNoticeConsumer) => DeconflictionNoticeBatchConsumer.Queue,
            nameof(HitConfirmationNoticeConsumer) => HitConfirmationNoticeBatchConsumer.Queue,
            _ => throw new InvalidOperationException($"{typeof(TConsumer).Name} is not a batched notice consumer"),
        });
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // Its events reach it from the batch queue only; bound to the exchanges too, every event would be applied twice
        // over (the inbox would drop the second, after the work).
        endpointConfigurator.ConfigureConsumeTopology = false;
    }
}

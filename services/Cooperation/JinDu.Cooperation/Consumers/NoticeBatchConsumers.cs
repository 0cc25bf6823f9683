using JinDu.Contracts;
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

/// <summary>
/// The two notices a flag causes through a lead — the deconfliction notice (<see cref="LeadsCorrelated"/>) and the
/// hit-confirmation notice (<see cref="HitConfirmationRequested"/>; and the few <see cref="HitConfirmationOverdue"/>) —
/// share one queue and one batch: Leads publishes them from the same commit, so they are made in the same transaction
/// and reach the partner together. On two queues of their own each waited out its own batch window, and which came
/// later was a matter of chance; the later of the two is the one that sets the flag → partner-notified tail
/// (partner-latency, 2026-12-05: the hit-confirmation notice was made 11 ms after the deconfliction notice at p50, 66 ms at
/// p90, and missed the 500 ms goal in four runs of nine where the deconfliction notice missed in one). One batch instead
/// of two also means one transaction, one lock of the recipient's stream and one dispatcher wake instead of two.
/// <para>MassTransit batches one message type, so the batch is of the interface every event implements; each event is
/// then read as the type it was published as. The queue is bound to those three exchanges only. Each event keeps its
/// single consumer's inbox name and <c>-single</c> endpoint.</para>
/// </summary>
public sealed class LeadNoticeBatchConsumer(DeconflictionNoticeConsumer deconfliction, HitConfirmationNoticeConsumer hits, NoticeBatches batches,
    ILogger<LeadNoticeBatchConsumer> log) : IConsumer<Batch<IIntegrationEvent>>
{
    public const string Queue = "cooperation-lead-notice";

    /// <summary>The single consumers' fallback endpoints.</summary>
    public const string DeconflictionSingle = "cooperation-deconfliction-notice-single", HitConfirmationSingle = "cooperation-hit-confirmation-notice-single";

    public Task Consume(ConsumeContext<Batch<IIntegrationEvent>> context)
    {
        var events = new List<BatchedEvent>(context.Message.Length);
        foreach (var m in context.Message)
        {
            if (m.TryGetMessage<LeadsCorrelated>(out var correlated))
                events.Add(BatchedEvent.Of(m, correlated.Message, correlated.Message.EventId, DeconflictionNoticeConsumer.InboxName, DeconflictionSingle,
                    deconfliction.ApplyAsync));
            else if (m.TryGetMessage<HitConfirmationRequested>(out var requested))
                events.Add(BatchedEvent.Of(m, requested.Message, requested.Message.EventId, HitConfirmationNoticeConsumer.InboxName, HitConfirmationSingle,
                    hits.ApplyAsync));
            else if (m.TryGetMessage<HitConfirmationOverdue>(out var overdue))
                events.Add(BatchedEvent.Of(m, overdue.Message, overdue.Message.EventId, HitConfirmationNoticeConsumer.InboxName, HitConfirmationSingle,
                    hits.ApplyAsync));
            else
                // Only the three exchanges above are bound to the queue; anything else was sent here by hand.
                log.LogError("{Queue}: message {MessageId} of type {Types} is not a notice through a lead; not applied", Queue, m.MessageId,
                    string.Join(", ", m.SupportedMessageTypes));
        }
        return batches.ConsumeAsync(events, nameof(LeadNoticeBatchConsumer), context.CancellationToken);
    }

    /// <summary>Binds the queue to exactly the events it applies (consume topology is off for it: see <see cref="NoticeBatchDefinition{TConsumer}"/>).</summary>
    public static void Bind(IReceiveEndpointConfigurator endpoint)
    {
        switch (endpoint)
        {
            case IRabbitMqReceiveEndpointConfigurator rabbit:
                rabbit.Bind<LeadsCorrelated>();
                rabbit.Bind<HitConfirmationRequested>();
                rabbit.Bind<HitConfirmationOverdue>();
                break;
            case IInMemoryReceiveEndpointConfigurator memory:
                memory.Bind<LeadsCorrelated>();
                memory.Bind<HitConfirmationRequested>();
                memory.Bind<HitConfirmationOverdue>();
                break;
            default:
                throw new InvalidOperationException($"{Queue}: no bindings for {endpoint.GetType().Name}");
        }
    }
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

    public NoticeBatchDefinition(IOptionsMonitor<NoticeBatchOptions> options)
    {
        var (queue, types, settings) = typeof(TConsumer).Name switch
        {
            nameof(HouseholdNoticeBatchConsumer) => (HouseholdNoticeBatchConsumer.Queue, 2, Options.DefaultName),
            nameof(LeadNoticeBatchConsumer) => (LeadNoticeBatchConsumer.Queue, 1, NoticeBatchOptions.LeadNotices),
            _ => throw new InvalidOperationException($"{typeof(TConsumer).Name} is not a notice batch consumer"),
        };
        _options = options.Get(settings);
        if (_options.MessageLimit < 1 || _options.ConcurrencyLimit < 1 || _options.TimeLimit <= TimeSpan.Zero)
            throw new InvalidOperationException($"The notice batches of {queue} need MessageLimit and ConcurrencyLimit of at least 1 and a positive TimeLimit");
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
        if (typeof(TConsumer) == typeof(LeadNoticeBatchConsumer))
        {
            // Its batch type is the interface every event implements: bound by topology, the queue would take them all.
            endpointConfigurator.ConfigureConsumeTopology = false;
            LeadNoticeBatchConsumer.Bind(endpointConfigurator);
        }
        consumerConfigurator.Options<BatchOptions>(o => o
            .SetMessageLimit(_options.MessageLimit)
            .SetTimeLimit(_options.TimeLimit)
            .SetTimeLimitStart(_options.TimeLimitStart)
            .SetConcurrencyLimit(_options.ConcurrencyLimit));
    }
}

/// <summary>A notice consumer's fallback endpoint (<see cref="NoticeQueues.Single"/>): not subscribed to its events.</summary>
public sealed class NoticeSingleDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    public NoticeSingleDefinition()
    {
        EndpointName = typeof(TConsumer).Name switch
        {
            nameof(HouseholdNoticeConsumer) => NoticeQueues.Single(HouseholdNoticeBatchConsumer.Queue),
            nameof(DeconflictionNoticeConsumer) => LeadNoticeBatchConsumer.DeconflictionSingle,
            nameof(HitConfirmationNoticeConsumer) => LeadNoticeBatchConsumer.HitConfirmationSingle,
            _ => throw new InvalidOperationException($"{typeof(TConsumer).Name} is not a batched notice consumer"),
        };
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // Its events reach it from the batch queue only; bound to the exchanges too, every event would be applied twice
        // over (the inbox would drop the second, after the work).
        endpointConfigurator.ConfigureConsumeTopology = false;
    }
}

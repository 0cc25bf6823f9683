using JinDu.BuildingBlocks.Data;

namespace JinDu.BuildingBlocks.Messaging;

/// <summary>
/// A read model that a service keeps from its own events, applied by the service's own outbox dispatcher
/// (<see cref="OutboxDispatcher{TContext}"/>) to the events it publishes, instead of a consumer of the service's own
/// queue: the events still go to the broker for everyone else, but the service does not take them back from it. An
/// event's row is marked sent only once the broker confirmed it and the projection applied it; if applying fails, the
/// row stays unsent and is published and applied again from the table (at least once, as through a queue), so
/// <see cref="ApplyAsync"/> must be idempotent.
/// </summary>
public interface IOutboxProjection<TContext> where TContext : ServiceDbContext
{
    /// <summary>Whether events of this type are applied.</summary>
    bool Handles(Type eventType);

    /// <summary>Applies a round's events of the handled types, in the order they were stored.</summary>
    Task ApplyAsync(IReadOnlyList<object> events, CancellationToken cancellationToken);
}

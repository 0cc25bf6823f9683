using System.Diagnostics;
using System.Text.Json;
using JinDu.Contracts;

namespace JinDu.BuildingBlocks.Messaging;

/// <summary>An integration event stored in the same transaction as the change that caused it.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public Guid MessageId { get; set; }
    /// <summary>"Full.Type.Name, Assembly" of the event.</summary>
    public string Type { get; set; } = "";
    public string Body { get; set; } = "";
    public DateTimeOffset OccurredAt { get; set; }
    /// <summary>W3C traceparent of the request that stored it, so the publish joins the same trace.</summary>
    public string? TraceParent { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }

    /// <summary>
    /// The event itself, for a row made by <see cref="From{T}"/>: the dispatcher publishes a row handed over after its commit
    /// from it, without reading the body back. Not stored.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Schema.NotMapped]
    public IIntegrationEvent? Event { get; private init; }

    public static OutboxMessage From<T>(T evt) where T : class, IIntegrationEvent => new()
    {
        Event = evt,
        MessageId = evt.EventId,
        Type = $"{typeof(T).FullName}, {typeof(T).Assembly.GetName().Name}",
        Body = JsonSerializer.Serialize(evt, MessageJson.Options),
        OccurredAt = evt.OccurredAt,
        TraceParent = Activity.Current?.Id,
    };
}

/// <summary>A message id a consumer has applied, written in the same transaction as its effect.</summary>
public sealed class InboxMessage
{
    public Guid MessageId { get; set; }
    public string Consumer { get; set; } = "";
    public DateTimeOffset ProcessedAt { get; set; }
}

public static class MessageJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

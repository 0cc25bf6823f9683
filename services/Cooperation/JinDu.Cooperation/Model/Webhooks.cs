namespace JinDu.Cooperation.Model;

/// <summary>An agency's webhook: where its notifications are pushed, and the secrets they are signed with.</summary>
public sealed class WebhookEndpoint
{
    public long Id { get; set; }
    public string Agency { get; set; } = "";
    public string Url { get; set; } = "";
    /// <summary>The signing secrets (<see cref="WebhookSecret"/> list as JSON), encrypted at rest.</summary>
    public string SecretsProtected { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One signing secret; during a rotation two are active and every message carries both signatures.</summary>
public sealed record WebhookSecret(string Id, string Value, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

public enum DeliveryStatus
{
    Pending,
    Delivered,
    Dead,
}

/// <summary>
/// One notification on its way to one agency's webhook. It keeps the notification's id as the message id
/// (webhook-id), so every retry and replay is recognisably the same message to the receiver.
/// </summary>
public sealed class WebhookDelivery
{
    public long Id { get; set; }
    public Guid PublicId { get; set; }
    public string Agency { get; set; } = "";
    public long NotificationId { get; set; }
    public Notification? Notification { get; set; }
    public Guid MessageId { get; set; }
    public long Sequence { get; set; }
    public string Type { get; set; } = "";
    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    /// <summary>When the current round of retries began: creation, or the last replay. Retries go on for the retry window from here.</summary>
    public DateTimeOffset WindowStartedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    /// <summary>
    /// Set while a dispatcher is attempting the delivery: until then no other instance takes it (a crash mid-attempt
    /// only delays it until then). In a column no index covers, so that taking a delivery is a HOT update of its row
    /// (no index entries; the table keeps room on its pages for that) where moving <see cref="NextAttemptAt"/> made
    /// seven.
    /// </summary>
    public DateTimeOffset? LeasedUntil { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The delivery log: one row per attempt, with its answer and latency.</summary>
public sealed class WebhookAttempt
{
    public long Id { get; set; }
    public string Agency { get; set; } = "";
    public long DeliveryId { get; set; }
    public Guid MessageId { get; set; }
    public long Sequence { get; set; }
    public int Attempt { get; set; }
    public DateTimeOffset AttemptedAt { get; set; }
    public int? StatusCode { get; set; }
    public int LatencyMs { get; set; }
    /// <summary>delivered, retry (will be tried again), failed (final answer) or dead (given up: dead-letter list).</summary>
    public string Outcome { get; set; } = "";
    public string? Error { get; set; }
}

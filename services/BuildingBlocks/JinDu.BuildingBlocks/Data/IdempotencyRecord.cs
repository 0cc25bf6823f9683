namespace JinDu.BuildingBlocks.Data;

/// <summary>The answer given to one write with an Idempotency-Key, replayed for retries of the same request.</summary>
public sealed class IdempotencyRecord
{
    /// <summary>Who sent it: keys are scoped per caller so two callers cannot collide or read each other's answers.</summary>
    public string Scope { get; set; } = "";
    public string Key { get; set; } = "";
    /// <summary>SHA-256 of method, path and body: the same key with a different request is an error.</summary>
    public string RequestHash { get; set; } = "";
    public int StatusCode { get; set; }
    public string Body { get; set; } = "";
    public string? Location { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

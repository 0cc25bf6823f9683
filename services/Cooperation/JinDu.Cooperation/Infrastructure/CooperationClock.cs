namespace JinDu.Cooperation.Infrastructure;

/// <summary>
/// The clock of Cooperation's own deadlines: webhook retries and their 24-hour window, webhook-timestamp, assistance
/// request deadlines and escalation. Its own service so tests can move it a day ahead without touching the clock
/// that tokens are validated by.
/// </summary>
public sealed class CooperationClock(TimeProvider time)
{
    public TimeProvider Time => time;

    public DateTimeOffset Now => time.GetUtcNow();
}

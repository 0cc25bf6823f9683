namespace JinDu.Cooperation.Webhooks;

/// <summary>Configuration section <c>Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    /// <summary>
    /// Host names or IP addresses an operator allows even though they are loopback, link-local or private
    /// (and over plain http). Everything else must resolve to public addresses only and use https.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>How many subscribers are delivered to at once.</summary>
    public int MaxConcurrency { get; set; } = 16;
    /// <summary>
    /// Requests in flight to one subscriber at once, started in sequence order (they may complete out of order; the
    /// CloudEvents <c>sequence</c> and the position say where each belongs).
    /// </summary>
    public int RequestsPerSubscriber { get; set; } = 8;
    /// <summary>How long a message is retried before it goes to the dead-letter list.</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);
    /// <summary>How often due retries are looked for when nothing new was written.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
    /// <summary>How long the previous secret stays valid after a rotation, unless the rotation says otherwise.</summary>
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(24);
    /// <summary>How long delivery attempts and delivered messages are kept (pending and dead ones are kept until settled).</summary>
    public TimeSpan AttemptRetention { get; set; } = TimeSpan.FromDays(30);
    /// <summary>How often housekeeping runs (real time), and how many rows of each kind one pass deletes at most.</summary>
    public TimeSpan HousekeepingInterval { get; set; } = TimeSpan.FromHours(1);
    public int HousekeepingBatchSize { get; set; } = 1000;
}

/// <summary>
/// Wakes the dispatcher when a commit stored new deliveries or a replay queued some. A writer that knows for whom says so,
/// and the dispatcher starts on those subscribers without asking the database who has something due (under load that
/// question, asked after every commit, was a noticeable share of the database's work); a wake without names, and every
/// poll, still asks.
/// </summary>
public sealed class WebhookSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _agencies = new();
    private volatile bool _everyone;

    /// <summary>Something may be due for anyone.</summary>
    public void Notify()
    {
        _everyone = true;
        Release();
    }

    /// <summary>New deliveries for these subscribers.</summary>
    public void Notify(IEnumerable<string> agencies)
    {
        foreach (var agency in agencies) _agencies[agency] = true;
        Release();
    }

    private void Release()
    {
        if (_signal.CurrentCount > 0) return;
        try { _signal.Release(); }
        catch (SemaphoreFullException) { /* already signalled */ }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    /// <summary>What the wakes since the last call named; <c>everyone</c> when one of them named nobody.</summary>
    public (List<string> Agencies, bool Everyone) Take()
    {
        var everyone = _everyone;
        _everyone = false;
        var agencies = new List<string>();
        foreach (var agency in _agencies.Keys)
            if (_agencies.TryRemove(agency, out _)) agencies.Add(agency);
        return (agencies, everyone);
    }
}

using System.Net;

namespace JinDu.Cooperation.Webhooks;

/// <summary>What one attempt's outcome means for the message.</summary>
public enum AttemptVerdict
{
    Delivered,
    Retry,
    /// <summary>The receiver said no for good (4xx other than 408/429, a redirect) or the target is refused: no more retries.</summary>
    Final,
}

/// <summary>
/// Retries with exponential back-off for the retry window (24 hours by default) on 408, 429, 5xx, time-outs and
/// network errors; other answers are final. After the window, or a final answer, the message is dead-lettered.
/// </summary>
public static class RetryPolicy
{
    public static AttemptVerdict Classify(int? statusCode) => statusCode switch
    {
        >= 200 and < 300 => AttemptVerdict.Delivered,
        null => AttemptVerdict.Retry, // time-out or network error
        408 or 429 => AttemptVerdict.Retry,
        >= 500 => AttemptVerdict.Retry,
        _ => AttemptVerdict.Final,
    };

    /// <summary>The wait after the <paramref name="attempt"/>-th failed attempt: first, 2×first, 4×first, … up to the cap.</summary>
    public static TimeSpan Delay(int attempt, TimeSpan first, TimeSpan cap, TimeSpan? retryAfter = null)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var ticks = Math.Min((double)first.Ticks * Math.Pow(2, exponent), cap.Ticks);
        var delay = TimeSpan.FromTicks((long)ticks);
        // A receiver asking for more time (429/503 Retry-After) gets it, within the cap.
        return retryAfter is { } asked && asked > delay ? (asked < cap ? asked : cap) : delay;
    }

    /// <summary>When the next attempt is due, or null when the window is over and the message goes to the dead letters.</summary>
    public static DateTimeOffset? Next(DateTimeOffset now, DateTimeOffset windowStart, int attempts, WebhookOptions o, TimeSpan? retryAfter = null)
    {
        var windowEnd = windowStart + o.RetryWindow;
        if (now >= windowEnd) return null;
        var next = now + Delay(attempts, o.FirstRetryDelay, o.MaxRetryDelay, retryAfter);
        // The last try lands at the end of the window, so retrying lasts the whole window and not a minute less.
        return next > windowEnd ? windowEnd : next;
    }

    public static bool IsSuccess(HttpStatusCode code) => (int)code is >= 200 and < 300;
}

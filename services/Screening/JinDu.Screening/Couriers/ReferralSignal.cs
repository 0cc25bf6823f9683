namespace JinDu.Screening.Couriers;

/// <summary>
/// Wakes referral streams of this instance when a batch issued referrals. Streams also poll every
/// second, so referrals issued by another instance arrive too, only a little later.
/// </summary>
public sealed class ReferralSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

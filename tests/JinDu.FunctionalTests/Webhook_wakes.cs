using JinDu.Cooperation.Webhooks;
using JinDu.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>
/// Under load the webhook dispatcher is woken by writers that name their subscribers, hundreds of times a second, and
/// starts on those without asking the database. A subscriber nobody writes to must still get its due retry: the
/// database is asked at least once a poll interval however many named wakes come in between.
/// </summary>
public sealed class Webhook_wakes(CooperationPlatform platform) : IClassFixture<CooperationPlatform>
{
    [Fact]
    public async Task A_due_retry_is_sent_while_wakes_for_another_subscriber_keep_coming()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Mode = ReceiverMode.Down;
        await platform.RegisterAsync("liaison.522726", receiver.Url);
        var message = await platform.NotifyAsync("522726", "retry-under-wakes");
        // Recorded, not just received: the retry's due time is set from the clock when the answer is written down.
        await platform.RecordedAsync("liaison.522726", message.Id, d => d["attempts"]!.GetValue<int>() >= 1, "the first, refused attempt");

        // Wakes naming another county, every few milliseconds (the poll interval here is 50 ms), for 4 s.
        var signal = platform.Factory.Services.GetRequiredService<WebhookSignal>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        var wakes = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                signal.Notify(["522701"]);
                await Task.Delay(2);
            }
        });
        try
        {
            receiver.Mode = ReceiverMode.Up;
            platform.Advance(TimeSpan.FromMinutes(1)); // the retry is due
            await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.Any(r => r.Id == message.Id.ToString()) ? "sent" : null),
                TimeSpan.FromSeconds(2), "the retry while the wakes go on");
            Assert.False(stop.IsCancellationRequested, "the retry came only after the wakes stopped");
        }
        finally
        {
            await stop.CancelAsync();
            await wakes;
        }
    }
}

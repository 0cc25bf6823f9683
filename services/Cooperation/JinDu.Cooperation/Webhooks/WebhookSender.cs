using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using JinDu.BuildingBlocks.Hosting;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using Microsoft.Extensions.Options;

namespace JinDu.Cooperation.Webhooks;

public sealed record AttemptResult(AttemptVerdict Verdict, int? StatusCode, int LatencyMs, string? Error, TimeSpan? RetryAfter);

/// <summary>One signed POST of one notification to one webhook, with a time-out; never throws for the receiver's faults.</summary>
public sealed class WebhookSender(IHttpClientFactory clients, CooperationClock clock, IOptionsMonitor<WebhookOptions> options)
{
    public const string ClientName = "webhooks";

    public static string Body(Notification n) => JsonSerializer.Serialize(CloudEvent.Of(n), JsonDefaults.Api);

    public async Task<AttemptResult> SendAsync(string url, IReadOnlyList<string> secrets, Notification notification, CancellationToken ct)
    {
        var body = Body(notification);
        var id = notification.PublicId.ToString();
        var timestamp = clock.Now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, CloudEvent.ContentType),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSigner.SignatureHeader(secrets, id, timestamp, body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.CurrentValue.RequestTimeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            var retryAfter = response.Headers.RetryAfter is { } ra
                ? ra.Delta ?? (ra.Date is { } at ? at - clock.Now : null)
                : null;
            return new AttemptResult(RetryPolicy.Classify(code), code, (int)watch.ElapsedMilliseconds,
                RetryPolicy.Classify(code) == AttemptVerdict.Delivered ? null : $"HTTP {code}", retryAfter);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new AttemptResult(AttemptVerdict.Retry, null, (int)watch.ElapsedMilliseconds, $"no answer within {options.CurrentValue.RequestTimeout.TotalSeconds:0.#} s", null);
        }
        catch (HttpRequestException ex) when (ex.InnerException is RefusedTargetException refused)
        {
            return new AttemptResult(AttemptVerdict.Final, null, (int)watch.ElapsedMilliseconds, "target refused: " + refused.Message, null);
        }
        catch (HttpRequestException ex)
        {
            return new AttemptResult(AttemptVerdict.Retry, null, (int)watch.ElapsedMilliseconds, Trim(ex.Message), null);
        }
    }

    private static string Trim(string s) => s.Length > 500 ? s[..500] : s;
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JinDu.Testing;

/// <summary>How the receiver answers: 200, 503 (down), a hang longer than any time-out, or 400 (a final refusal).</summary>
public enum ReceiverMode
{
    Up,
    Down,
    Hang,
    Reject,
}

/// <summary>One request as the receiver saw it, and what it answered.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string ContentType, string Body, DateTimeOffset ReceivedAt, int Answer);

/// <summary>
/// A partner's webhook receiver on loopback (real Kestrel, real sockets). It records every request; the checks a
/// partner makes (Standard Webhooks signature and timestamp) are in <see cref="Verify"/>, written from the spec and
/// not from the platform's code, so a signing bug cannot make both sides agree.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private volatile TaskCompletionSource? _gate;
    private int _held;

    public ReceiverMode Mode { get; set; } = ReceiverMode.Up;
    public int Port { get; private set; }
    public string Url => $"http://127.0.0.1:{Port}/hook";

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToArray();
    public IReadOnlyList<ReceivedWebhook> Accepted => _received.Where(r => r.Answer is >= 200 and < 300).ToArray();

    /// <summary>Requests that arrived while <see cref="Hold"/> was on and are not answered yet.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>From now on, each request is recorded on arrival but answered only at <see cref="Release"/>.</summary>
    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Answers the held requests (with what the mode was when each arrived) and holds no more.</summary>
    public void Release() => Interlocked.Exchange(ref _gate, null)?.TrySetResult();

    private WebhookReceiver(WebApplication app) => _app = app;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var mode = receiver.Mode;
            // A hanging receiver is recorded on arrival with answer 0: it never answers within the sender's time-out.
            var answer = mode switch { ReceiverMode.Up => 200, ReceiverMode.Down => 503, ReceiverMode.Reject => 400, _ => 0 };
            receiver._received.Enqueue(new ReceivedWebhook(http.Request.Headers["webhook-id"].ToString(), http.Request.Headers["webhook-timestamp"].ToString(),
                http.Request.Headers["webhook-signature"].ToString(), http.Request.ContentType ?? "", body, DateTimeOffset.UtcNow, answer));
            if (receiver._gate is { } gate)
            {
                Interlocked.Increment(ref receiver._held);
                try { await gate.Task.WaitAsync(http.RequestAborted); }
                catch (OperationCanceledException) { }
                finally { Interlocked.Decrement(ref receiver._held); }
            }
            if (mode == ReceiverMode.Hang)
            {
                try { await Task.Delay(TimeSpan.FromSeconds(60), http.RequestAborted); }
                catch (OperationCanceledException) { }
                return Results.StatusCode(504);
            }
            return Results.StatusCode(answer);
        });
        await app.StartAsync();
        receiver.Port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        return receiver;
    }

    /// <summary>
    /// What a receiver checks: the timestamp is within <paramref name="tolerance"/> of its clock (replay protection),
    /// and one of the space-separated "v1,base64" signatures is HMAC-SHA256(secret, "{id}.{timestamp}.{body}").
    /// </summary>
    public static bool Verify(ReceivedWebhook w, string secret, DateTimeOffset now, TimeSpan tolerance, out string why)
    {
        why = "";
        if (!long.TryParse(w.Timestamp, out var seconds)) { why = "no timestamp"; return false; }
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance) { why = $"timestamp {seconds} too far from {now.ToUnixTimeSeconds()}"; return false; }
        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret);
        var expected = Convert.FromBase64String(Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{w.Id}.{w.Timestamp}.{w.Body}"))));
        foreach (var part in w.Signature.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = part.IndexOf(',');
            if (comma < 0 || part[..comma] != "v1") continue;
            byte[] given;
            try { given = Convert.FromBase64String(part[(comma + 1)..]); }
            catch (FormatException) { continue; }
            if (CryptographicOperations.FixedTimeEquals(given, expected)) return true;
        }
        why = "no signature matches";
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

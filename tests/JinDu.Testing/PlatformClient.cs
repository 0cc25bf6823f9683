using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace JinDu.Testing;

/// <summary>Calls the platform's public API like a user would: token from the issuer, then JSON over HTTP.</summary>
public sealed class PlatformClient(HttpClient http)
{
    public const string DemoPassword = "jindu-demo";
    public static readonly Guid LiboCheckpoint = Guid.Parse("52272200-0000-4000-8000-000000000001");
    public static readonly Guid DushanCheckpoint = Guid.Parse("52272600-0000-4000-8000-000000000001");
    public static readonly Guid DuyunCheckpoint = Guid.Parse("52270100-0000-4000-8000-000000000001");

    /// <summary>The demo checkpoint of a demo county, where its officers post.</summary>
    public static Guid CheckpointOf(string agency) => agency switch
    {
        "522722" => LiboCheckpoint,
        "522726" => DushanCheckpoint,
        "522701" => DuyunCheckpoint,
        _ => throw new ArgumentException($"{agency} has no demo checkpoint", nameof(agency)),
    };

    private readonly Dictionary<string, string> _tokens = new();

    public HttpClient Http => http;

    public async Task<string> TokenAsync(string userName)
    {
        if (_tokens.TryGetValue(userName, out var cached)) return cached;
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = userName, ["password"] = DemoPassword,
        }));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"token for {userName}: {(int)response.StatusCode} {body}");
        var token = JsonNode.Parse(body)!["access_token"]!.GetValue<string>();
        _tokens[userName] = token;
        return token;
    }

    /// <summary>A machine client's token (client credentials), e.g. courier-sf / sf-demo-secret.</summary>
    public async Task<string> ClientTokenAsync(string clientId, string secret)
    {
        if (_tokens.TryGetValue("client:" + clientId, out var cached)) return cached;
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        }));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"token for {clientId}: {(int)response.StatusCode} {body}");
        var token = JsonNode.Parse(body)!["access_token"]!.GetValue<string>();
        _tokens["client:" + clientId] = token;
        return token;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? user, object? body = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (user is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user switch
            {
                "courier-sf" => await ClientTokenAsync("courier-sf", "sf-demo-secret"),
                "courier-zto" => await ClientTokenAsync("courier-zto", "zto-demo-secret"),
                _ => await TokenAsync(user),
            });
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (body is string raw) request.Content = new StringContent(raw, System.Text.Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body);
        return await http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? user) => SendAsync(HttpMethod.Get, path, user);

    public Task<HttpResponseMessage> PostAsync(string path, string? user, object body, string? idempotencyKey = null) =>
        SendAsync(HttpMethod.Post, path, user, body, idempotencyKey);

    /// <summary>
    /// Sends as <paramref name="user"/> and asserts the answer's status; returns its JSON (an empty object when it has no
    /// body). A POST carries a fresh Idempotency-Key. <paramref name="context"/> adds to a failure's message (the
    /// services' logs, say).
    /// </summary>
    public async Task<JsonNode> ExpectAsync(HttpMethod method, string path, string user, object? body, System.Net.HttpStatusCode expected,
        Func<string>? context = null)
    {
        using var response = await SendAsync(method, path, user, body, method == HttpMethod.Post ? Guid.NewGuid().ToString() : null);
        var text = await response.Content.ReadAsStringAsync();
        Xunit.Assert.True(response.StatusCode == expected, $"{method} {path} as {user}: {(int)response.StatusCode} {text}\n{context?.Invoke()}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    public async Task<JsonNode> GetJsonAsync(string path, string user)
    {
        using var response = await GetAsync(path, user);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {path} as {user}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public static object SeizureOf(string idNumber, Guid? checkpoint = null, decimal grams = 12.5m) => new
    {
        checkpointId = checkpoint ?? LiboCheckpoint,
        method = "manual_search",
        result = "seizure",
        subject = new { idNumber, name = "测试人" },
        seizures = new[] { new { substance = "methamphetamine", grams } },
    };

    /// <summary>Polls until <paramref name="probe"/> returns a value, for effects that travel through the bus.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, TimeSpan? timeout = null, string? what = null) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up waiting for {what ?? "the effect"}");
            await Task.Delay(100);
        }
    }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}

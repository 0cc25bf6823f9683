using System.Net;
using System.Text.Json.Nodes;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Webhooks;
using JinDu.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace JinDu.FunctionalTests;

/// <summary>
/// The standalone platform with webhooks allowed to reach 127.0.0.1 (an operator's allow-list), a 1-second request
/// time-out, webhook housekeeping in batches of 3, and a Cooperation clock (webhook retries, assistance deadlines) the test moves — a day ahead, if need
/// be — without touching token lifetimes.
/// </summary>
public sealed class CooperationPlatform : IAsyncLifetime
{
    private readonly StandaloneFactory _standalone = new();

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public WebApplicationFactory<JinDu.Standalone.StandaloneEntryPoint> Factory { get; }
    public PlatformClient Platform { get; }

    public CooperationPlatform()
    {
        Factory = _standalone.WithWebHostBuilder(b =>
        {
            b.UseSetting("Webhooks:AllowedHosts:0", "127.0.0.1");
            b.UseSetting("Webhooks:RequestTimeout", "00:00:01");
            b.UseSetting("Webhooks:PollInterval", "00:00:00.050");
            b.UseSetting("Webhooks:HousekeepingBatchSize", "3");
            b.UseSetting("Assistance:CheckInterval", "00:00:00.100");
            b.UseSetting("Notifications:HeartbeatInterval", "00:00:01");
            b.ConfigureTestServices(s => s.AddSingleton(new CooperationClock(Clock)));
        });
        Platform = new PlatformClient(Factory.CreateClient());
    }

    public async Task<string> RegisterAsync(string liaison, string url)
    {
        using var response = await Platform.SendAsync(HttpMethod.Put, "/api/cooperation/v1/webhook", liaison, new { url });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["newSecret"]!.GetValue<string>();
    }

    /// <summary>
    /// A notice in an agency's stream, written the way the consumers write them. With <paramref name="leasedFor"/>, its
    /// webhook delivery is stored as another instance's dispatcher leaves it when it takes it for an attempt.
    /// </summary>
    public async Task<(Guid Id, long Sequence)> NotifyAsync(string agency, string title = "测试通报", TimeSpan? leasedFor = null)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var writer = scope.ServiceProvider.GetRequiredService<NotificationWriter>();
        var n = await writer.AddAsync(agency, "household_county", title, new { test = title }, Guid.CreateVersion7(), "522722", CancellationToken.None);
        var db = scope.ServiceProvider.GetRequiredService<CooperationDbContext>();
        if (leasedFor is { } lease)
            foreach (var delivery in db.ChangeTracker.Entries<JinDu.Cooperation.Model.WebhookDelivery>().Where(e => e.Entity.Notification == n))
                delivery.Entity.LeasedUntil = Clock.GetUtcNow() + lease;
        await db.SaveChangesAsync();
        return (n.PublicId, n.Sequence);
    }

    public Task<JsonNode> GetAsync(string path, string user) => Platform.GetJsonAsync(path, user);

    /// <summary>
    /// Waits until the liaison's delivery of the message, as the platform has recorded it, meets <paramref name="recorded"/>.
    /// The receiver's own list fills when it answers, a moment before the dispatcher writes the answer down, so the
    /// status read at once can still be the one before.
    /// </summary>
    public Task<JsonNode> RecordedAsync(string liaison, Guid messageId, Func<JsonNode, bool> recorded, string what) =>
        PlatformClient.EventuallyAsync(async () => (await GetAsync("/api/cooperation/v1/webhook/deliveries?limit=500", liaison))["items"]!.AsArray()
            .FirstOrDefault(d => d!["messageId"]!.GetValue<string>() == messageId.ToString() && recorded(d)), what: what);

    /// <summary>Moves the webhook clock and gives the dispatcher a moment to act on it.</summary>
    public void Advance(TimeSpan by) => Clock.Advance(by);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _standalone.DisposeAsync();
}

using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>Issue 5, part 2: what a partner's receiver gets, and which targets the platform refuses to call.</summary>
public sealed class Webhook_delivery(CooperationPlatform platform) : IClassFixture<CooperationPlatform>
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_flag_arrives_as_a_signed_cloudevent_that_the_receiver_can_verify()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var secret = await platform.RegisterAsync("liaison.522726", receiver.Url);
        Assert.StartsWith("whsec_", secret);

        var person = TestIds.Person("522726");
        using var posted = await platform.Platform.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(person));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var inspectionId = JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        var hook = await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.FirstOrDefault(
            w => JsonNode.Parse(w.Body)!["data"]!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId)), what: "the webhook");
        Assert.True(WebhookReceiver.Verify(hook!, secret, platform.Clock.GetUtcNow(), Tolerance, out var why), why);
        Assert.Equal("application/cloudevents+json; charset=utf-8", hook!.ContentType);

        var evt = JsonNode.Parse(hook.Body)!;
        Assert.Equal("1.0", evt["specversion"]!.GetValue<string>());
        Assert.Equal(hook.Id, evt["id"]!.GetValue<string>());
        Assert.Equal("cn.jindu.cooperation.notification.household_county", evt["type"]!.GetValue<string>());
        Assert.Equal("/jindu/cooperation/agencies/522722", evt["source"]!.GetValue<string>());
        var sequence = evt["data"]!["sequence"]!.GetValue<long>();
        Assert.Equal(sequence.ToString(), evt["sequence"]!.GetValue<string>());
        Assert.DoesNotContain(person, hook.Body);

        // The same message id is the inbox's notification id.
        var inbox = await platform.GetAsync($"/api/cooperation/v1/inbox/{hook.Id}", "liaison.522726");
        Assert.Equal(sequence, inbox["sequence"]!.GetValue<long>());

        // A tampered body, a stale timestamp or another secret fail the receiver's checks.
        Assert.False(WebhookReceiver.Verify(hook with { Body = hook.Body.Replace("522722", "522701") }, secret, platform.Clock.GetUtcNow(), Tolerance, out _));
        Assert.False(WebhookReceiver.Verify(hook, secret, platform.Clock.GetUtcNow().AddMinutes(10), Tolerance, out _));
        Assert.False(WebhookReceiver.Verify(hook, "whsec_" + Convert.ToBase64String(new byte[32]), platform.Clock.GetUtcNow(), Tolerance, out _));

        // The attempt is logged once the dispatcher has its answer, which may be a moment after the receiver has it.
        var attempt = (await PlatformClient.EventuallyAsync(async () =>
        {
            var log = await platform.GetAsync("/api/cooperation/v1/webhook/attempts?limit=500", "liaison.522726");
            return log["items"]!.AsArray().SingleOrDefault(a => a!["messageId"]!.GetValue<string>() == hook.Id);
        }, what: "the attempt in the delivery log"))!;
        Assert.Equal(200, attempt["statusCode"]!.GetValue<int>());
        Assert.Equal("delivered", attempt["outcome"]!.GetValue<string>());
        Assert.True(attempt["latencyMs"]!.GetValue<int>() >= 0);
    }

    [Fact]
    public async Task During_a_secret_rotation_both_secrets_verify_and_the_old_one_stops_after_the_overlap()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var old = await platform.RegisterAsync("liaison.522701", receiver.Url);
        using var rotated = await platform.Platform.PostAsync("/api/cooperation/v1/webhook/secrets", "liaison.522701", new { overlapHours = 2 });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var fresh = JsonNode.Parse(await rotated.Content.ReadAsStringAsync())!["newSecret"]!.GetValue<string>();
        Assert.NotEqual(old, fresh);

        var during = await platform.NotifyAsync("522701", "rotation-during");
        var first = await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.FirstOrDefault(w => w.Id == during.Id.ToString())), what: "the first message");
        Assert.Equal(2, first!.Signature.Split(' ').Length);
        Assert.True(WebhookReceiver.Verify(first, old, platform.Clock.GetUtcNow(), Tolerance, out var why1), why1);
        Assert.True(WebhookReceiver.Verify(first, fresh, platform.Clock.GetUtcNow(), Tolerance, out var why2), why2);

        platform.Advance(TimeSpan.FromHours(3));
        var after = await platform.NotifyAsync("522701", "rotation-after");
        var second = await PlatformClient.EventuallyAsync(() => Task.FromResult(receiver.Accepted.FirstOrDefault(w => w.Id == after.Id.ToString())), what: "the second message");
        Assert.Single(second!.Signature.Split(' '));
        Assert.True(WebhookReceiver.Verify(second, fresh, platform.Clock.GetUtcNow(), Tolerance, out var why3), why3);
        Assert.False(WebhookReceiver.Verify(second, old, platform.Clock.GetUtcNow(), Tolerance, out _));

        var webhook = await platform.GetAsync("/api/cooperation/v1/webhook", "liaison.522701");
        Assert.Single(webhook["secrets"]!.AsArray(), s => s!["active"]!.GetValue<bool>());
        Assert.DoesNotContain("whsec_", webhook.ToJsonString());
    }

    [Theory]
    [InlineData("http://127.0.0.2:8080/hook")]
    [InlineData("http://[::1]:8080/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://172.20.0.5/hook")]
    [InlineData("https://192.168.1.10/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[fe80::1]/hook")]
    [InlineData("https://[fd00::5]/hook")]
    [InlineData("https://[::ffff:10.0.0.1]/hook")]
    [InlineData("https://100.64.0.1/hook")]
    [InlineData("https://0.0.0.0/hook")]
    [InlineData("http://203.0.113.10/hook")]
    [InlineData("ftp://203.0.113.10/hook")]
    [InlineData("https://user:secret@203.0.113.10/hook")]
    [InlineData("not a url")]
    public async Task A_target_inside_the_network_or_not_https_is_refused_unless_allow_listed(string url)
    {
        using var response = await platform.Platform.SendAsync(HttpMethod.Put, "/api/cooperation/v1/webhook", "liaison.522722", new { url });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.NotNull(JsonNode.Parse(body)!["errors"]!["url"]);
        using var read = await platform.Platform.GetAsync("/api/cooperation/v1/webhook", "liaison.522722");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task A_public_https_target_and_an_allow_listed_loopback_one_are_accepted_and_only_a_liaison_registers()
    {
        using var denied = await platform.Platform.SendAsync(HttpMethod.Put, "/api/cooperation/v1/webhook", "analyst.522722", new { url = "https://203.0.113.10/hook" });
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        using var admin = await platform.Platform.GetAsync("/api/cooperation/v1/webhooks/dead-letters", "liaison.522722");
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        foreach (var candidate in new[] { "https://203.0.113.10/hook", "http://127.0.0.1:9/hook" })
        {
            await using var scope = platform.Factory.Services.CreateAsyncScope();
            var guard = scope.ServiceProvider.GetRequiredService<JinDu.Cooperation.Webhooks.WebhookTargetGuard>();
            Assert.Null(await guard.ProblemWithAsync(candidate, CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_liaison_moves_the_webhook_to_a_new_address_keeping_its_secret_and_removes_it()
    {
        await using var first = await WebhookReceiver.StartAsync();
        await using var second = await WebhookReceiver.StartAsync();
        var secret = await platform.RegisterAsync("liaison.522722", first.Url);
        try
        {
            using (var moved = await platform.Platform.SendAsync(HttpMethod.Put, "/api/cooperation/v1/webhook", "liaison.522722", new { url = second.Url }))
            {
                Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
                Assert.Null(JsonNode.Parse(await moved.Content.ReadAsStringAsync())!["newSecret"]);
            }
            var (id, _) = await platform.NotifyAsync("522722", "moved");
            var hook = await PlatformClient.EventuallyAsync(() => Task.FromResult(second.Accepted.FirstOrDefault(w => w.Id == id.ToString())), what: "the message at the new address");
            Assert.True(WebhookReceiver.Verify(hook!, secret, platform.Clock.GetUtcNow(), Tolerance, out var why), why);
            Assert.Empty(first.Received);
        }
        finally
        {
            using var removed = await platform.Platform.SendAsync(HttpMethod.Delete, "/api/cooperation/v1/webhook", "liaison.522722");
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }
        using var gone = await platform.Platform.GetAsync("/api/cooperation/v1/webhook", "liaison.522722");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var (after, _) = await platform.NotifyAsync("522722", "after-removal");
        var deliveries = await platform.GetAsync("/api/cooperation/v1/webhook/deliveries?limit=500", "liaison.522722");
        Assert.DoesNotContain(deliveries["items"]!.AsArray(), d => d!["messageId"]!.GetValue<string>() == after.ToString());
        // The inbox still has it: removing the webhook stops the push, not the notices.
        Assert.Equal(after.ToString(), (await platform.GetAsync($"/api/cooperation/v1/inbox/{after}", "liaison.522722"))["id"]!.GetValue<string>());
    }
}

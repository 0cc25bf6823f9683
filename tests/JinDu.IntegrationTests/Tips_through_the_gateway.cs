using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.IntegrationTests;

/// <summary>
/// Issue 4: the public's tip endpoints through the gateway — no token, a capped body, and a rate limit per
/// client address (10 a minute by default). One test, so that its count of requests is the only one.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class Tips_through_the_gateway(DistributedPlatform platform)
{
    private const string Tips = "/api/leads/v1/tips";

    [Fact]
    public async Task A_tipster_needs_no_token_but_may_not_send_a_huge_tip_or_too_many()
    {
        using var http = new HttpClient { BaseAddress = new Uri(platform.GatewayUrl), Timeout = TimeSpan.FromSeconds(30) };
        static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

        using var submitted = await http.PostAsync(Tips, Json("""{"text":"村里有人种罂粟","county":"522722","address":"荔波县朝阳镇"}"""));
        var text = await submitted.Content.ReadAsStringAsync();
        Assert.True(submitted.StatusCode == HttpStatusCode.Created, $"{(int)submitted.StatusCode} {text}\n{platform.Logs()}");
        var receipt = JsonNode.Parse(text)!["receiptCode"]!.GetValue<string>();

        using var status = await http.GetAsync($"{Tips}/{receipt}");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal("received", JsonNode.Parse(await status.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());

        // The staff side of tips is not anonymous at the gateway; the county's supervisor decides the reward.
        using var staff = await http.GetAsync("/api/leads/v1/received-tips");
        Assert.Equal(HttpStatusCode.Unauthorized, staff.StatusCode);
        var client = platform.Platform();
        var tip = (await client.GetJsonAsync("/api/leads/v1/received-tips", "supervisor.522722")).AsArray()
            .First(t => t!["status"]!.GetValue<string>() == "new")!;
        using (var reward = await client.PostAsync($"/api/leads/v1/received-tips/{tip["id"]}/reward", "supervisor.522722", new { granted = true }))
            Assert.Equal(HttpStatusCode.OK, reward.StatusCode);

        // 64 KB of text: refused at the gateway, before Leads reads it.
        using var huge = await http.PostAsync(Tips, Json($$"""{"text":"{{new string('x', 64 * 1024)}}","county":"522722"}"""));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);

        // The same address soon hits the limit and is told when to come back.
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 12 && limited is null; i++)
        {
            var response = await http.GetAsync($"{Tips}/{receipt}");
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited = response;
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }
        Assert.NotNull(limited);
        Assert.Equal("urn:jindu:problem:rate-limited", JsonNode.Parse(await limited!.Content.ReadAsStringAsync())!["type"]!.GetValue<string>());
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After says when");
        limited.Dispose();

        // Signed-in staff are not held back by the public's limit.
        var tips = await client.GetJsonAsync("/api/leads/v1/received-tips", "analyst.522722");
        Assert.NotEmpty(tips.AsArray());
    }
}

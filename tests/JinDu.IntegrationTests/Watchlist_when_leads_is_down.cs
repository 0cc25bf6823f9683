using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.IntegrationTests;

/// <summary>
/// Issue 3: "If Leads is down the post still succeeds and says the watchlist could not be checked; nothing
/// blocks an officer." Screening reads Leads' watchlist cache in Redis first and asks Leads over gRPC only when
/// the cache does not answer. Through the gateway, with processes killed as a crash would.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class Watchlist_when_leads_is_down(DistributedPlatform platform)
{
    private const string Inspections = "/api/screening/v1/inspections";
    private readonly PlatformClient _client = platform.Platform();

    private async Task<(JsonNode Answer, TimeSpan Took, string? Location)> PostAtDushanAsync(string idNumber)
    {
        var watch = Stopwatch.StartNew();
        using var response = await _client.PostAsync(Inspections, "officer.522726", new
        {
            checkpointId = PlatformClient.DushanCheckpoint, method = "manual_search", result = "clear", subject = new { idNumber },
        }, Guid.NewGuid().ToString());
        var text = await response.Content.ReadAsStringAsync();
        watch.Stop();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {text}\n{platform.Logs()}");
        return (JsonNode.Parse(text)!, watch.Elapsed, response.Headers.Location?.OriginalString);
    }

    /// <summary>A person on the watchlist: 荔波's seizure makes a lead, and the watchlist learns the person.</summary>
    private async Task<string> WatchlistedPersonAsync()
    {
        var id = TestIds.Person("522726");
        using (var seizure = await _client.PostAsync(Inspections, "officer.522722", PlatformClient.SeizureOf(id), Guid.NewGuid().ToString()))
            Assert.Equal(HttpStatusCode.Created, seizure.StatusCode);
        await PlatformClient.EventuallyAsync(async () =>
        {
            var (answer, _, _) = await PostAtDushanAsync(id);
            return answer["watchlist"]!["hits"]!.AsArray().Count > 0 ? answer : null;
        }, TimeSpan.FromSeconds(30), "the person on the watchlist before Leads goes down");
        await _client.TokenAsync("officer.522726"); // the token comes from the gateway, not from Leads; fetched before timing
        return id;
    }

    [Fact]
    public async Task With_leads_down_the_answer_still_comes_from_the_watchlist_cache()
    {
        var id = await WatchlistedPersonAsync();

        await platform.StopServiceAsync("leads");
        try
        {
            var (answer, took, _) = await PostAtDushanAsync(id);
            Assert.True(took < TimeSpan.FromSeconds(2), $"the post took {took.TotalMilliseconds:0} ms with Leads down");
            var watchlist = answer["watchlist"]!;
            Assert.True(watchlist["checked"]!.GetValue<bool>(), answer.ToJsonString());
            var hit = Assert.Single(watchlist["hits"]!.AsArray());
            Assert.Equal("522722", hit!["ownerAgency"]!.GetValue<string>());
            Assert.Equal("荔波县禁毒办", hit["contact"]!.GetValue<string>());
        }
        finally
        {
            await platform.StartServiceAsync("leads");
        }
    }

    [Fact]
    public async Task With_neither_the_cache_nor_leads_a_post_succeeds_at_once_and_says_the_watchlist_was_not_checked_then_is_checked_again()
    {
        var id = await WatchlistedPersonAsync();

        // Screening restarted against a Redis address where nobody answers, and Leads killed.
        await platform.StopServiceAsync("leads");
        await platform.RestartServiceAsync("screening", new Dictionary<string, string>
        {
            ["Redis__Configuration"] = $"127.0.0.1:{FreePort.Next()},connectTimeout=500",
        });
        try
        {
            // The first post may find Screening's channel to Leads still connecting, the later ones find nobody listening.
            for (var i = 0; i < 3; i++)
            {
                var (answer, took, location) = await PostAtDushanAsync(id);
                Assert.True(took < TimeSpan.FromSeconds(2), $"post {i + 1} took {took.TotalMilliseconds:0} ms with Leads and the cache down");
                var watchlist = answer["watchlist"]!;
                Assert.False(watchlist["checked"]!.GetValue<bool>(), answer.ToJsonString());
                Assert.Empty(watchlist["hits"]!.AsArray());
                Assert.False(string.IsNullOrWhiteSpace(watchlist["message"]?.GetValue<string>()), "the officer is told the watchlist was not checked");
                Assert.DoesNotContain(id, answer.ToJsonString());

                // The record is stored all the same.
                Assert.NotNull(location);
                var stored = await _client.GetJsonAsync(location!, "officer.522726");
                Assert.Equal(answer["id"]!.GetValue<string>(), stored["id"]!.GetValue<string>());
            }

            // Leads is back while the cache is still away: the answers come from Leads over gRPC again. (The
            // channel reconnects on its back-off schedule, so the first posts after the restart may still say
            // "not checked".)
            await platform.StartServiceAsync("leads");
            var hit = await PlatformClient.EventuallyAsync(async () =>
            {
                var (answer, _, _) = await PostAtDushanAsync(id);
                return answer["watchlist"]!["checked"]!.GetValue<bool>() ? answer["watchlist"]!["hits"]!.AsArray().FirstOrDefault() : null;
            }, TimeSpan.FromSeconds(60), "a checked watchlist answer after Leads came back");
            Assert.Equal("522722", hit!["ownerAgency"]!.GetValue<string>());
        }
        finally
        {
            await platform.RestartServiceAsync("screening");
            try { await platform.StartServiceAsync("leads"); }
            catch (InvalidOperationException) { } // already back
        }
    }
}

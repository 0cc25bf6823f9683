using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.IntegrationTests;

/// <summary>
/// Issue 3: "If Leads is down the post still succeeds and says the watchlist could not be checked; nothing
/// blocks an officer." Through the gateway, with the Leads process killed as a crash would.
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

    [Fact]
    public async Task An_officers_post_succeeds_at_once_and_says_the_watchlist_was_not_checked_then_is_checked_again()
    {
        // A person on the watchlist: 荔波's seizure makes a lead, and the watchlist learns the person.
        var id = TestIds.Person("522726");
        using (var seizure = await _client.PostAsync(Inspections, "officer.522722", PlatformClient.SeizureOf(id), Guid.NewGuid().ToString()))
            Assert.Equal(HttpStatusCode.Created, seizure.StatusCode);
        await PlatformClient.EventuallyAsync(async () =>
        {
            var (answer, _, _) = await PostAtDushanAsync(id);
            return answer["watchlist"]!["hits"]!.AsArray().Count > 0 ? answer : null;
        }, TimeSpan.FromSeconds(30), "the person on the watchlist before Leads goes down");
        await _client.TokenAsync("officer.522726"); // the token comes from the gateway, not from Leads; fetched before timing

        await platform.StopServiceAsync("leads");
        try
        {
            // The first post finds Screening's connection to Leads broken, the later ones find nobody listening.
            for (var i = 0; i < 3; i++)
            {
                var (answer, took, location) = await PostAtDushanAsync(id);
                Assert.True(took < TimeSpan.FromSeconds(2), $"post {i + 1} took {took.TotalMilliseconds:0} ms with Leads down");
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
        }
        finally
        {
            await platform.StartServiceAsync("leads");
        }

        // Leads is back: the next posts are checked again, and the person is found. (Screening's gRPC channel
        // reconnects on its back-off schedule, so the first post after the restart may still say "not checked".)
        var hit = await PlatformClient.EventuallyAsync(async () =>
        {
            var (answer, _, _) = await PostAtDushanAsync(id);
            return answer["watchlist"]!["checked"]!.GetValue<bool>() ? answer["watchlist"]!["hits"]!.AsArray().FirstOrDefault() : null;
        }, TimeSpan.FromSeconds(60), "a checked watchlist answer after Leads came back");
        Assert.Equal("522722", hit!["ownerAgency"]!.GetValue<string>());
    }
}

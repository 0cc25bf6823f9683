using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>The in-memory watchlist of the standalone mode is rebuilt from the database when the platform starts again.</summary>
public sealed class Watchlist_after_a_restart
{
    [Fact]
    public async Task Still_knows_the_people_of_active_leads()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "jindu-restart-" + Guid.NewGuid().ToString("N")[..8]);
        var id = TestIds.Person("522726");
        try
        {
            await using (var first = StandaloneFactory.Over(dataDirectory))
            {
                var platform = first.Platform();
                using var posted = await platform.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(id));
                var inspectionId = JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
                await PlatformClient.EventuallyAsync(async () =>
                    (await platform.GetJsonAsync($"/api/leads/v1/leads?sourceId={inspectionId}", "analyst.522722"))["items"]!.AsArray().FirstOrDefault(),
                    what: "the lead");
            }
            await using var second = StandaloneFactory.Over(dataDirectory);
            var answer = await Posting_an_inspection.WatchlistAnswerAsync(second.Platform(), id);
            Assert.Equal("522722", answer["watchlist"]!["hits"]![0]!["ownerAgency"]!.GetValue<string>());
        }
        finally
        {
            try { Directory.Delete(dataDirectory, recursive: true); }
            catch (IOException) { }
        }
    }
}

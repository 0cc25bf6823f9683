using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>
/// Issue 4: "When a checkpoint or parcel hit matches another agency's lead, the owner gets a hit-confirmation
/// task." A check that finds nothing (result clear) is still a hit when the person is on the watchlist: the
/// person passed a checkpoint, and the lead's owner must confirm it.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class Watchlist_hit_on_a_clear_check(StandaloneFactory factory)
{
    private readonly PlatformClient _platform = factory.Platform();

    private async Task<JsonNode> CheckClearAsync(string officer, Guid checkpointId, string idNumber)
    {
        using var response = await _platform.PostAsync("/api/screening/v1/inspections", officer, new
        {
            checkpointId, method = "manual_search", result = "clear", subject = new { idNumber },
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!;
    }

    private async Task<JsonArray> TasksAsync(string analyst, JsonNode lead) =>
        new((await _platform.GetJsonAsync("/api/leads/v1/hit-tasks", analyst))["items"]!.AsArray()
            .Where(t => t!["leadId"]!.GetValue<string>() == lead["id"]!.GetValue<string>()).Select(t => t!.DeepClone()).ToArray());

    [Fact]
    public async Task Gives_the_owner_in_another_county_an_urgent_task_and_opens_no_lead_where_nothing_was_found()
    {
        var id = TestIds.Person("522701");
        var lead = await _platform.CreateAsync("analyst.522722", LeadSteps.LeadOf(("person", id)));
        // The lead's person is on the watchlist once the officer's answer says so.
        var answer = await PlatformClient.EventuallyAsync(async () =>
        {
            var a = await CheckClearAsync("officer.522726", PlatformClient.DushanCheckpoint, id);
            return a["watchlist"]!["hits"]!.AsArray().Count > 0 ? a : null;
        }, what: "a watchlist hit at 独山's checkpoint");
        Assert.Equal(lead["reference"]!.GetValue<string>(), answer["watchlist"]!["hits"]![0]!["leadReference"]!.GetValue<string>());

        var task = (await PlatformClient.EventuallyAsync(async () => (await TasksAsync("analyst.522722", lead)).FirstOrDefault(),
            what: "the hit-confirmation task of 荔波's lead"))!;
        Assert.Equal("urgent", task["urgency"]!.GetValue<string>());
        Assert.Equal("522726", task["hitAgency"]!.GetValue<string>());
        Assert.DoesNotContain(id, task.ToJsonString());

        // Nothing was found at 独山, so 独山 gets no lead of its own for the person.
        var dushan = await _platform.GetJsonAsync("/api/leads/v1/leads?idNumber=" + id, "analyst.522726");
        Assert.Empty(dushan["items"]!.AsArray());
    }

    [Fact]
    public async Task Gives_no_task_when_the_checkpoint_belongs_to_the_lead_s_own_county()
    {
        var id = TestIds.Person("522701");
        var lead = await _platform.CreateAsync("analyst.522726", LeadSteps.LeadOf(("person", id)));
        await PlatformClient.EventuallyAsync(async () =>
        {
            var a = await CheckClearAsync("officer.522726", PlatformClient.DushanCheckpoint, id);
            return a["watchlist"]!["hits"]!.AsArray().Count > 0 ? a : null;
        }, what: "a watchlist hit at 独山's own checkpoint");

        // A later hit elsewhere does open a task, so the first one had time to arrive and did not.
        await CheckClearAsync("officer.522722", PlatformClient.LiboCheckpoint, id);
        var tasks = await PlatformClient.EventuallyAsync(async () => await TasksAsync("analyst.522726", lead) is { Count: > 0 } t ? t : null,
            what: "the task of 荔波's hit");
        var only = Assert.Single(tasks);
        Assert.Equal("522722", only!["hitAgency"]!.GetValue<string>());
    }
}

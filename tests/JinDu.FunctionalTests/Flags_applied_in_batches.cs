using System.Text.Json.Nodes;
using JinDu.Contracts;
using JinDu.Screening.Contracts.Events;
using JinDu.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>
/// Standalone (SQLite, in-memory bus), Leads takes screening flags in batches too: flags published together land in
/// one batch and must have the effect they would have had one after the other.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class Flags_applied_in_batches(StandaloneFactory factory)
{
    private readonly PlatformClient _platform = factory.Platform();

    private static InspectionFlagged Flag(string agency, Guid checkpoint, string token, string result = "seizure") => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
        ProducerAgency = agency,
        InspectionId = Guid.NewGuid(),
        CheckpointId = checkpoint,
        CheckpointName = agency + " 公安检查站",
        Result = result,
        InspectedAt = DateTimeOffset.UtcNow,
        Subjects = [new FlaggedSubject(SubjectKind.Person, token, "5227**********" + token[^4..], "522726")],
        Seizures = result == "seizure" ? [new SeizureLine("methamphetamine", 5m)] : [],
    };

    private async Task<JsonArray> LeadsFromAsync(Guid inspectionId, string analyst) =>
        (await _platform.GetJsonAsync($"/api/leads/v1/leads?sourceId={inspectionId}", analyst))["items"]!.AsArray();

    private async Task<JsonNode> LeadAsync(JsonNode item, string analyst) =>
        await _platform.GetJsonAsync($"/api/leads/v1/leads/{item["id"]}", analyst);

    private static int FlagEntries(JsonNode lead) =>
        lead["timeline"]!.AsArray().Count(t => t!["action"]!.GetValue<string>() is "created_from_flag" or "flag_joined");

    [Fact]
    public async Task Flags_published_together_join_one_lead_link_across_counties_and_count_once()
    {
        var person = "batch-test-" + Guid.NewGuid().ToString("N");
        var same = Enumerable.Range(0, 3).Select(_ => Flag("522722", PlatformClient.LiboCheckpoint, person)).ToList();
        var elsewhere = Flag("522726", PlatformClient.DushanCheckpoint, person, "positive_test");
        var twice = Flag("522722", PlatformClient.LiboCheckpoint, "batch-test-" + Guid.NewGuid().ToString("N"), "suspicious");

        var bus = factory.Services.GetRequiredService<IBus>();
        await Task.WhenAll(new[] { same[0], twice, same[1], elsewhere, twice, same[2] }.Select(f => bus.Publish(f)));

        var libo = await PlatformClient.EventuallyAsync(async () =>
        {
            var found = await LeadsFromAsync(same[0].InspectionId, "analyst.522722");
            return found.Count == 1 && await LeadAsync(found[0]!, "analyst.522722") is { } lead && FlagEntries(lead) == 3 ? lead : null;
        }, TimeSpan.FromSeconds(30), "荔波's lead with three flags");
        Assert.Empty(await LeadsFromAsync(same[1].InspectionId, "analyst.522722"));
        Assert.Empty(await LeadsFromAsync(same[2].InspectionId, "analyst.522722"));

        var dushan = await PlatformClient.EventuallyAsync(async () => (await LeadsFromAsync(elsewhere.InspectionId, "analyst.522726")).FirstOrDefault(),
            TimeSpan.FromSeconds(30), "独山's lead");
        var detail = await LeadAsync(dushan!, "analyst.522726");
        Assert.Equal(libo["reference"]!.GetValue<string>(), Assert.Single(detail["links"]!.AsArray())!["reference"]!.GetValue<string>());
        var task = Assert.Single((await _platform.GetJsonAsync("/api/leads/v1/hit-tasks?limit=200", "analyst.522722"))["items"]!.AsArray(),
            t => t!["leadReference"]!.GetValue<string>() == libo["reference"]!.GetValue<string>());
        Assert.Equal("522726", task!["hitAgency"]!.GetValue<string>());

        var once = await PlatformClient.EventuallyAsync(async () => (await LeadsFromAsync(twice.InspectionId, "analyst.522722")).FirstOrDefault(),
            TimeSpan.FromSeconds(30), "the lead of the event delivered twice");
        await Task.Delay(300); // room for a second, wrong effect
        Assert.Equal(1, FlagEntries(await LeadAsync(once!, "analyst.522722")));
    }
}

using System.Text.Json.Nodes;
using JinDu.Contracts;
using JinDu.Screening.Contracts.Events;
using JinDu.Testing;

namespace JinDu.IntegrationTests;

/// <summary>What an operator finds on the broker: durable quorum queues with a delivery limit, and an error queue for poison.</summary>
[Collection(DistributedCollection.Name)]
public sealed class Broker_topology(DistributedPlatform platform)
{
    [Fact]
    public async Task Every_consumer_queue_is_a_quorum_queue_with_a_delivery_limit()
    {
        var queues = await platform.Servers.ListQueuesAsync();
        var consumerQueues = queues.Where(q => !q!["name"]!.GetValue<string>().EndsWith("_error") && !q["name"]!.GetValue<string>().EndsWith("_skipped")
                                               && (q["name"]!.GetValue<string>().StartsWith("leads-") || q["name"]!.GetValue<string>().StartsWith("cooperation-"))).ToList();
        Assert.Contains(consumerQueues, q => q!["name"]!.GetValue<string>() == "leads-flag-to-lead");
        Assert.Contains(consumerQueues, q => q!["name"]!.GetValue<string>() == "cooperation-household-notice");
        foreach (var q in consumerQueues)
        {
            Assert.Equal("quorum", q!["type"]!.GetValue<string>());
            Assert.Contains("x-delivery-limit", q["arguments"]!.ToJsonString());
        }
    }

    [Fact]
    public async Task A_message_that_keeps_failing_lands_in_the_error_queue_and_harms_nothing_else()
    {
        // Subjects missing: the consumer cannot apply this flag however often it tries.
        var poison = new InspectionFlagged
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow, ProducerAgency = "522722", InspectionId = Guid.NewGuid(),
            CheckpointId = Guid.NewGuid(), CheckpointName = "x", Result = "seizure", InspectedAt = DateTimeOffset.UtcNow,
            Subjects = null!, Seizures = [],
        };
        await platform.PublishAsync(poison);

        var errorQueue = await PlatformClient.EventuallyAsync(async () =>
        {
            var queues = await platform.Servers.ListQueuesAsync();
            var q = queues.FirstOrDefault(q => q!["name"]!.GetValue<string>() == "leads-flag-to-lead_error");
            return q is not null && q["messages"]!.GetValue<int>() > 0 ? q : null;
        }, TimeSpan.FromSeconds(60), "the poison message in leads-flag-to-lead_error");
        Assert.True(errorQueue!["messages"]!.GetValue<int>() >= 1);

        // The queue keeps flowing: a good flag after the poison one still becomes a lead.
        var client = platform.Platform();
        using var posted = await client.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(TestIds.Person("522726")));
        var id = JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await PlatformClient.EventuallyAsync(async () =>
            (await client.GetJsonAsync($"/api/leads/v1/leads?sourceId={id}", "analyst.522722"))["items"]!.AsArray().FirstOrDefault(),
            TimeSpan.FromSeconds(30), "the lead after the poison message");
    }
}

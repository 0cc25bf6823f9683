using System.Text.Json;
using System.Text.Json.Nodes;
using JinDu.Cooperation.Consumers;
using JinDu.Cooperation.Infrastructure;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.UnitTests.Cooperation;

/// <summary>
/// Notifications:Batch (the flags' household notices) and Notifications:LeadBatch (the notices through a lead) are read
/// at start, each for its own queue; the lead queue cuts a batch shortly after its last event by default.
/// </summary>
public class Notice_batch_settings
{
    /// <summary>The two batch endpoints on an in-memory bus, their settings read from configuration as the service reads them.</summary>
    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        NoticeBatchOptions.AddTo(services, configuration);
        services.AddMassTransit(x =>
        {
            x.AddConsumer<HouseholdNoticeBatchConsumer, NoticeBatchDefinition<HouseholdNoticeBatchConsumer>>();
            x.AddConsumer<LeadNoticeBatchConsumer, NoticeBatchDefinition<LeadNoticeBatchConsumer>>();
            x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// MassTransit's own description of each running batch (its <c>consumerFactory</c> in the bus probe): the lead queue's
    /// is the batch of the events' common interface, the household queue's that of InspectionFlagged.
    /// </summary>
    private static async Task<(JsonNode Lead, JsonNode Household)> RunningBatchesAsync(Dictionary<string, string?> settings)
    {
        await using var services = Services(settings);
        var bus = services.GetRequiredService<IBusControl>();
        await bus.StartAsync();
        try
        {
            Assert.Equal(BusHealthStatus.Healthy, bus.CheckHealth().Status);
            var batches = new List<JsonNode>();
            Collect(JsonSerializer.SerializeToNode(bus.GetProbeResult().Results));
            return (Find("IIntegrationEvent"), Find("InspectionFlagged"));

            void Collect(JsonNode? node)
            {
                switch (node)
                {
                    case JsonObject o when o["source"]?.GetValue<string>() == "batch":
                        batches.Add(o);
                        break;
                    case JsonObject o:
                        foreach (var (_, child) in o) Collect(child);
                        break;
                    case JsonArray a:
                        foreach (var child in a) Collect(child);
                        break;
                }
            }

            JsonNode Find(string type) => Assert.Single(batches, b => b["consumerType"]!.GetValue<string>().EndsWith($".{type}>", StringComparison.Ordinal));
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static (TimeSpan TimeLimit, BatchTimeLimitStart From, int Messages) Of(JsonNode batch) =>
        (TimeSpan.Parse(batch["timeLimit"]!.GetValue<string>()), (BatchTimeLimitStart)batch["timeLimitStart"]!.GetValue<int>(), batch["messageLimit"]!.GetValue<int>());

    [Fact]
    public async Task By_default_the_lead_queue_cuts_25_ms_after_its_last_event_and_the_household_queue_100_ms_after_its_first()
    {
        var (lead, household) = await RunningBatchesAsync([]);
        Assert.Equal((TimeSpan.FromMilliseconds(25), BatchTimeLimitStart.FromLast, 100), Of(lead));
        Assert.Equal((TimeSpan.FromMilliseconds(100), BatchTimeLimitStart.FromFirst, 100), Of(household));
    }

    [Fact]
    public async Task Each_section_sets_its_own_queue()
    {
        var (lead, household) = await RunningBatchesAsync(new()
        {
            ["Notifications:LeadBatch:TimeLimit"] = "00:00:00.040",
            ["Notifications:LeadBatch:TimeLimitStart"] = "FromFirst",
            ["Notifications:LeadBatch:MessageLimit"] = "37",
            ["Notifications:Batch:TimeLimit"] = "00:00:00.060",
        });
        Assert.Equal((TimeSpan.FromMilliseconds(40), BatchTimeLimitStart.FromFirst, 37), Of(lead));
        Assert.Equal((TimeSpan.FromMilliseconds(60), BatchTimeLimitStart.FromFirst, 100), Of(household));
    }

    [Fact]
    public async Task A_lead_batch_without_a_time_limit_stops_the_start_and_names_the_queue()
    {
        await using var services = Services(new() { ["Notifications:LeadBatch:TimeLimit"] = "00:00:00" });
        var ex = await Assert.ThrowsAnyAsync<Exception>(async () => await services.GetRequiredService<IBusControl>().StartAsync());
        Assert.Contains(LeadNoticeBatchConsumer.Queue, ex.ToString());
    }
}

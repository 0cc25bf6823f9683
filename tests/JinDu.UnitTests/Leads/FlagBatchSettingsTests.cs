using System.Text.Json;
using JinDu.Leads.Consumers;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.UnitTests.Leads;

/// <summary>Leads:FlagBatch (how flags are cut into batches) is read at start; settings that could never make a batch stop the start.</summary>
public class Flag_batch_settings
{
    /// <summary>The flags' endpoint on an in-memory bus, its settings read from configuration as the service reads them.</summary>
    private static ServiceProvider Services(int messages, int milliseconds, int concurrency)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{FlagBatchOptions.Section}:MessageLimit"] = messages.ToString(),
            [$"{FlagBatchOptions.Section}:TimeLimit"] = TimeSpan.FromMilliseconds(milliseconds).ToString(),
            [$"{FlagBatchOptions.Section}:ConcurrencyLimit"] = concurrency.ToString(),
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        FlagBatchOptions.AddTo(services, configuration);
        services.AddMassTransit(x =>
        {
            x.AddConsumer<FlagToLeadConsumer, FlagToLeadConsumerDefinition>();
            x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });
        return services.BuildServiceProvider();
    }

    [Theory]
    [InlineData(0, 50, 4)]
    [InlineData(200, 0, 4)]
    [InlineData(200, 50, 0)]
    public async Task Settings_that_could_never_make_a_batch_stop_the_start_and_name_the_section(int messages, int milliseconds, int concurrency)
    {
        await using var services = Services(messages, milliseconds, concurrency);
        var ex = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var bus = services.GetRequiredService<IBusControl>();
            await bus.StartAsync();
        });
        Assert.Contains("Leads:FlagBatch", ex.ToString());
    }

    [Fact]
    public async Task Other_settings_are_the_ones_the_flags_endpoint_runs_with()
    {
        await using var services = Services(23, 77, 3);
        var bus = services.GetRequiredService<IBusControl>();
        await bus.StartAsync();
        try
        {
            Assert.Equal(BusHealthStatus.Healthy, bus.CheckHealth().Status);
            // MassTransit's own description of the running endpoint: the batch as configured, and room for one batch
            // more than those being applied (23 × (3 + 1)).
            var probe = JsonSerializer.Serialize(bus.GetProbeResult().Results);
            Assert.Contains("\"messageLimit\":23", probe);
            Assert.Contains("\"timeLimit\":\"00:00:00.0770000\"", probe);
            Assert.Contains("\"concurrencyLimit\":3", probe);
            Assert.Contains("\"concurrentMessageLimit\":92", probe);
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}

using JinDu.Leads.Consumers;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace JinDu.UnitTests.Leads;

/// <summary>Leads:FlagBatch (how flags are cut into batches) is read at start; settings that could never make a batch stop the start.</summary>
public class Flag_batch_settings
{
    private static ServiceProvider Services(FlagBatchOptions settings)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(Options.Create(settings));
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
        await using var services = Services(new FlagBatchOptions
        {
            MessageLimit = messages, TimeLimit = TimeSpan.FromMilliseconds(milliseconds), ConcurrencyLimit = concurrency,
        });
        var ex = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var bus = services.GetRequiredService<IBusControl>();
            await bus.StartAsync();
        });
        Assert.Contains("Leads:FlagBatch", ex.ToString());
    }

    [Fact]
    public async Task Other_settings_start_the_flags_endpoint()
    {
        await using var services = Services(new FlagBatchOptions { MessageLimit = 20, TimeLimit = TimeSpan.FromMilliseconds(100), ConcurrencyLimit = 2 });
        var bus = services.GetRequiredService<IBusControl>();
        await bus.StartAsync();
        try
        {
            // The flags' endpoint was configured with these settings and is up.
            Assert.Equal(BusHealthStatus.Healthy, bus.CheckHealth().Status);
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}

using System.Text.Json.Nodes;
using JinDu.Contracts;
using JinDu.Screening.Contracts.Events;
using JinDu.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>
/// The standalone host (SQLite, in-memory bus) takes flags in batches too: a flag published twice among others notifies
/// its household county once, and a flag that cannot be applied does not cost the others in its batch their notices (it
/// is tried on its own and forwarded to the fallback endpoint, on the in-memory bus as on RabbitMQ).
/// </summary>
public sealed class Household_notices_in_batches(CooperationPlatform platform) : IClassFixture<CooperationPlatform>
{
    private static InspectionFlagged Flag(string county)
    {
        var id = TestIds.Person(county);
        return new InspectionFlagged
        {
            EventId = Guid.CreateVersion7(), OccurredAt = DateTimeOffset.UtcNow, ProducerAgency = "522722", InspectionId = Guid.NewGuid(),
            CheckpointId = Guid.NewGuid(), CheckpointName = "荔波高速公路检查站", Result = "seizure", InspectedAt = DateTimeOffset.UtcNow,
            Subjects = [new FlaggedSubject(SubjectKind.Person, "test-token-" + Guid.NewGuid().ToString("N"), id[..4] + "**********" + id[^4..], county)],
            Seizures = [new SeizureLine("heroin", 2m)],
        };
    }

    private async Task<List<JsonNode>> NoticesAsync(IEnumerable<InspectionFlagged> flags)
    {
        var ids = flags.Select(f => f.InspectionId.ToString()).ToHashSet();
        return (await platform.GetAsync("/api/cooperation/v1/inbox?limit=500", "liaison.522726"))["items"]!.AsArray()
            .Where(n => n!["payload"]!["inspectionId"]?.GetValue<string>() is { } id && ids.Contains(id)).Select(n => n!).ToList();
    }

    [Fact]
    public async Task A_flag_twice_and_a_poison_flag_among_others_leave_each_good_flag_one_notice()
    {
        var bus = platform.Factory.Services.GetRequiredService<IBus>();
        var good = Enumerable.Range(0, 8).Select(_ => Flag("522726")).ToList();
        var poison = Flag("522726") with { Subjects = null! }; // cannot be applied however often it is tried
        await Task.WhenAll(new object[] { good[0], good[1], good[2], good[3], poison, good[3], good[4], good[5], good[6], good[7] }
            .Select(m => bus.Publish(m)));

        var notices = await PlatformClient.EventuallyAsync(async () => await NoticesAsync(good) is { Count: >= 8 } n ? n : null,
            TimeSpan.FromSeconds(30), "a notice for each good flag");
        await Task.Delay(500); // room for a second, wrong notice to show up
        notices = await NoticesAsync(good);
        Assert.All(good, f => Assert.Single(notices, n => n["payload"]!["inspectionId"]!.GetValue<string>() == f.InspectionId.ToString()));
        var sequences = notices.Select(n => n["sequence"]!.GetValue<long>()).ToList();
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
    }
}

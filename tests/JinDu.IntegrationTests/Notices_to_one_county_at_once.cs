using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;
using Npgsql;

namespace JinDu.IntegrationTests;

/// <summary>
/// DESIGN.md §6 "every partner has a delivery position": many flags of one county's residents at once, consumed
/// concurrently, must each give that county one notice, numbered without gaps or repeats — and at the first attempt.
/// Writers used to race for the county's next number and the losers failed into retries (100 ms to 5 s each, then the
/// error queue), which under a burst delayed notices by many seconds and could lose some.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class Notices_to_one_county_at_once(DistributedPlatform platform)
{
    private const string Household = "522727"; // 平塘县: no other test flags its residents
    private const int Flags = 60;

    [Fact]
    public async Task A_burst_of_flags_gives_the_household_county_every_notice_numbered_in_turn_without_retries()
    {
        var client = platform.Platform();
        var inspections = new List<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Flags), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var person = TestIds.Person(Household, "19880101", i);
            using var response = await client.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(person), Guid.NewGuid().ToString());
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {text}");
            lock (inspections) inspections.Add(JsonNode.Parse(text)!["id"]!.GetValue<string>());
        });

        var notices = await PlatformClient.EventuallyAsync(async () =>
        {
            var rows = await NoticesAsync();
            return rows.Count >= Flags ? rows : null;
        }, TimeSpan.FromSeconds(60), $"{Flags} household notices for {Household}");

        Assert.Equal(Enumerable.Range(1, Flags).Select(i => (long)i), notices.Select(n => n.Sequence));
        Assert.Equal(inspections.Order(), notices.Select(n => JsonNode.Parse(n.Payload)!["inspectionId"]!.GetValue<string>()).Order());
        var log = await File.ReadAllTextAsync(Path.Combine(platform.LogDirectory, "cooperation.log"));
        foreach (var failure in new[] { "IX_notifications_RecipientAgency_Sequence", "PK_delivery_streams", "DbUpdateConcurrencyException" })
            Assert.False(log.Contains(failure, StringComparison.Ordinal), $"a notice failed at its first attempt ({failure}):\n{platform.Logs()}");
    }

    private async Task<List<(long Sequence, string Payload)>> NoticesAsync()
    {
        await using var connection = new NpgsqlConnection(platform.CooperationDatabase);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT "Sequence", "Payload" FROM notifications WHERE "RecipientAgency" = @r ORDER BY "Sequence" """, connection);
        command.Parameters.AddWithValue("r", Household);
        var rows = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetString(1)));
        return rows;
    }
}

using System.Text.Json.Nodes;
using JinDu.Contracts;
using JinDu.Screening.Contracts.Events;
using JinDu.Testing;
using Npgsql;
using RabbitMQ.Client;

namespace JinDu.IntegrationTests;

/// <summary>
/// Leads applies screening flags in batches, one transaction each. Flags that wait in the queue while Leads is down
/// arrive together when it is back, so they land in one batch: they must have exactly the effect they would have had
/// one after the other, and a message that cannot be applied must not take the rest of its batch with it.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class Flags_applied_in_batches(DistributedPlatform platform)
{
    private const string ErrorQueue = "leads-flag-to-lead_error";
    private readonly PlatformClient _client = platform.Platform();

    private static InspectionFlagged Flag(string agency, Guid checkpoint, string token, string result = "seizure", string substance = "methamphetamine") => new()
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
        Seizures = result == "seizure" ? [new SeizureLine(substance, 5m)] : [],
    };

    private static string NewToken() => "batch-test-" + Guid.NewGuid().ToString("N");

    private async Task<JsonArray> LeadsFromAsync(Guid inspectionId, string analyst) =>
        (await _client.GetJsonAsync($"/api/leads/v1/leads?sourceId={inspectionId}", analyst))["items"]!.AsArray();

    private async Task<JsonNode> LeadAsync(JsonNode item, string analyst) =>
        await _client.GetJsonAsync($"/api/leads/v1/leads/{item["id"]}", analyst);

    private static int FlagEntries(JsonNode lead) =>
        lead["timeline"]!.AsArray().Count(t => t!["action"]!.GetValue<string>() is "created_from_flag" or "flag_joined");

    /// <summary>Publishes the flags while Leads is down, so that they wait in its queue and reach it together when it is back.</summary>
    private async Task PublishWhileLeadsIsDownAsync(params InspectionFlagged[] flags)
    {
        await platform.StopServiceAsync("leads");
        try
        {
            await platform.PublishAsync(flags);
        }
        finally
        {
            await platform.StartServiceAsync("leads");
        }
    }

    [Fact]
    public async Task A_flag_that_joins_a_stored_lead_raises_its_severity_and_adds_its_substance()
    {
        var person = NewToken();
        var first = Flag("522722", PlatformClient.LiboCheckpoint, person, "suspicious");
        await platform.PublishAsync(first);
        var item = await PlatformClient.EventuallyAsync(async () => (await LeadsFromAsync(first.InspectionId, "analyst.522722")).FirstOrDefault(),
            TimeSpan.FromSeconds(60), "the lead of the first flag");
        var before = await LeadAsync(item!, "analyst.522722");
        Assert.Equal(2, before["severity"]!.GetValue<int>());
        Assert.Empty(before["substances"]!.AsArray());

        // A later seizure of the same person joins the stored lead: a change to a lead the batch did not make.
        await platform.PublishAsync(Flag("522722", PlatformClient.LiboCheckpoint, person, "seizure", "heroin"));
        var after = await PlatformClient.EventuallyAsync(async () => await LeadAsync(item!, "analyst.522722") is { } lead && FlagEntries(lead) == 2 ? lead : null,
            TimeSpan.FromSeconds(60), "the lead with the second flag");
        Assert.Equal(4, after["severity"]!.GetValue<int>());
        Assert.Equal("heroin", Assert.Single(after["substances"]!.AsArray())!.GetValue<string>());
        Assert.Equal(before["reference"]!.GetValue<string>(), after["reference"]!.GetValue<string>());
        Assert.True(after["updatedAt"]!.GetValue<DateTimeOffset>() > before["updatedAt"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task Flags_that_arrive_together_have_the_effect_they_would_have_one_after_the_other()
    {
        var person = NewToken();
        // Three flags of one new person in 荔波: the first makes a lead, the other two join it (the last with another substance).
        var same = Enumerable.Range(0, 3).Select(i => Flag("522722", PlatformClient.LiboCheckpoint, person, substance: i == 2 ? "heroin" : "methamphetamine")).ToList();
        // The same person at 独山's checkpoint: 独山's own lead, linked to 荔波's (made in the same batch), and a hit for 荔波 to confirm.
        var elsewhere = Flag("522726", PlatformClient.DushanCheckpoint, person, "positive_test");
        // One event delivered twice in the batch.
        var twice = Flag("522722", PlatformClient.LiboCheckpoint, NewToken(), "suspicious");
        await PublishWhileLeadsIsDownAsync(same[0], twice, same[1], elsewhere, twice, same[2]);

        // One lead of 荔波 for the person, with all three flags on its timeline; the later flags made no lead of their own.
        var libo = await PlatformClient.EventuallyAsync(async () =>
        {
            var found = await LeadsFromAsync(same[0].InspectionId, "analyst.522722");
            return found.Count == 1 && await LeadAsync(found[0]!, "analyst.522722") is { } lead && FlagEntries(lead) == 3 ? lead : null;
        }, TimeSpan.FromSeconds(60), "荔波's lead with three flags");
        Assert.Equal("created_from_flag", libo["timeline"]!.AsArray().First(t => t!["action"]!.GetValue<string>() != "correlated")!["action"]!.GetValue<string>());
        Assert.Empty(await LeadsFromAsync(same[1].InspectionId, "analyst.522722"));
        Assert.Empty(await LeadsFromAsync(same[2].InspectionId, "analyst.522722"));
        Assert.Equal(4, libo["severity"]!.GetValue<int>());
        // The lead gained the joining flag's substance; its subject is the flag's, masked.
        Assert.Equal(["heroin", "methamphetamine"], libo["substances"]!.AsArray().Select(x => x!.GetValue<string>()).Order());
        Assert.Equal("5227**********" + person[^4..], Assert.Single(libo["subjects"]!.AsArray())!["masked"]!.GetValue<string>());

        // 独山's lead is its own, and the two are linked both ways, although 荔波's did not exist before the batch.
        var dushan = await LeadAsync(Assert.Single(await LeadsFromAsync(elsewhere.InspectionId, "analyst.522726"))!, "analyst.522726");
        Assert.Equal("522726", dushan["ownerAgency"]!.GetValue<string>());
        Assert.Equal(1, FlagEntries(dushan));
        Assert.Equal(libo["reference"]!.GetValue<string>(), Assert.Single(dushan["links"]!.AsArray())!["reference"]!.GetValue<string>());
        Assert.Equal(dushan["reference"]!.GetValue<string>(), Assert.Single(libo["links"]!.AsArray())!["reference"]!.GetValue<string>());

        // 独山's checkpoint hit 荔波's lead: 荔波 has one urgent task to confirm it.
        var tasks = (await _client.GetJsonAsync("/api/leads/v1/hit-tasks?limit=200", "analyst.522722"))["items"]!.AsArray()
            .Where(t => t!["leadReference"]!.GetValue<string>() == libo["reference"]!.GetValue<string>()).ToList();
        var task = Assert.Single(tasks)!;
        Assert.Equal("522726", task["hitAgency"]!.GetValue<string>());
        Assert.Equal("urgent", task["urgency"]!.GetValue<string>());

        // The event delivered twice: one lead, one flag on it.
        var once = Assert.Single(await LeadsFromAsync(twice.InspectionId, "analyst.522722"))!;
        Assert.Equal(1, FlagEntries(await LeadAsync(once, "analyst.522722")));
    }

    [Fact]
    public async Task A_hit_is_announced_right_after_the_correlation_that_tells_the_same_owner_so_both_notices_go_together()
    {
        // 荔波 has leads on three persons; then 独山's checkpoint tests all three positive, in one batch.
        var persons = Enumerable.Range(0, 3).Select(_ => NewToken()).ToList();
        var seized = persons.Select(p => Flag("522722", PlatformClient.LiboCheckpoint, p)).ToList();
        await platform.PublishAsync(seized.ToArray());
        var references = new List<string>();
        foreach (var flag in seized)
            references.Add((await PlatformClient.EventuallyAsync(async () => (await LeadsFromAsync(flag.InspectionId, "analyst.522722")).FirstOrDefault(),
                TimeSpan.FromSeconds(60), "荔波's lead"))!["reference"]!.GetValue<string>());
        await PublishWhileLeadsIsDownAsync(persons.Select(p => Flag("522726", PlatformClient.DushanCheckpoint, p, "positive_test")).ToArray());
        await PlatformClient.EventuallyAsync(async () =>
            (await _client.GetJsonAsync("/api/leads/v1/hit-tasks?limit=200", "analyst.522722"))["items"]!.AsArray()
                .Count(t => references.Contains(t!["leadReference"]!.GetValue<string>())) == 3 ? "" : null,
            TimeSpan.FromSeconds(60), "荔波's three hit-confirmation tasks");

        // What Leads published about 荔波's three leads, in its order: each hit confirmation comes right after the
        // correlation that tells 荔波 of the same lead (Cooperation applies the two in one batch only if nothing else
        // comes between them; announced after the whole batch's events, the last flag's correlations did).
        var events = new List<(string Type, JsonNode Body)>();
        await using (var connection = new NpgsqlConnection(platform.LeadsDatabase))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""SELECT "Type", "Body" FROM outbox_messages WHERE "Body" LIKE ANY(@r) ORDER BY "Id" """, connection);
            command.Parameters.AddWithValue("r", references.Select(r => $"%{r}%").ToArray());
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) events.Add((reader.GetString(0).Split(',')[0].Split('.')[^1], JsonNode.Parse(reader.GetString(1))!));
        }
        var hits = events.Select((e, i) => (e, i)).Where(x => x.e.Type == "HitConfirmationRequested").ToList();
        Assert.Equal(3, hits.Count);
        foreach (var (hit, at) in hits)
        {
            var before = events[at - 1];
            Assert.Equal("LeadsCorrelated", before.Type);
            Assert.Equal("522722", before.Body["recipientAgency"]!.GetValue<string>());
            Assert.Equal(hit.Body["leadReference"]!.GetValue<string>(), before.Body["recipientLeadReference"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_flag_that_cannot_be_applied_goes_to_the_error_queue_alone()
    {
        var good = Enumerable.Range(0, 4).Select(i => Flag(i % 2 == 0 ? "522722" : "522726",
            i % 2 == 0 ? PlatformClient.LiboCheckpoint : PlatformClient.DushanCheckpoint, NewToken())).ToList();
        // A producer's bug: a token longer than any token can be, which PostgreSQL refuses to store.
        var bad = Flag("522722", PlatformClient.LiboCheckpoint, NewToken() + new string('x', 100));
        await PublishWhileLeadsIsDownAsync(good[0], good[1], bad, good[2], good[3]);

        // Every other flag of its batch made its lead.
        foreach (var flag in good)
        {
            var analyst = "analyst." + flag.ProducerAgency;
            var lead = await PlatformClient.EventuallyAsync(async () => (await LeadsFromAsync(flag.InspectionId, analyst)).FirstOrDefault(),
                TimeSpan.FromSeconds(60), "the lead of a good flag in the bad one's batch");
            Assert.Equal(1, FlagEntries(await LeadAsync(lead!, analyst)));
        }

        // The bad one made nothing and waits in the error queue, alone, for an operator.
        // (Other tests on the shared platform may have parked flags of their own there.)
        var parked = await PlatformClient.EventuallyAsync(async () => await ErrorQueueIdsAsync() is { } ids && ids.Contains(bad.EventId.ToString()) ? ids : null,
            TimeSpan.FromSeconds(60), "the bad flag in " + ErrorQueue);
        foreach (var flag in good)
            Assert.DoesNotContain(flag.EventId.ToString(), parked);
        Assert.Empty(await LeadsFromAsync(bad.InspectionId, "analyst.522722"));
    }

    /// <summary>The event ids of the flags in Leads' flag error queue (read and put back), or null while it is empty.</summary>
    private async Task<List<string>?> ErrorQueueIdsAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(platform.Servers.RabbitMqUri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.QueueDeclarePassiveAsync(ErrorQueue);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return null; // not declared yet: nothing has failed so far
        }
        var ids = new List<string>();
        while (await channel.BasicGetAsync(ErrorQueue, autoAck: false) is { } message)
            ids.Add(JsonNode.Parse(message.Body.Span)!["message"]!["eventId"]!.GetValue<string>());
        // Unacknowledged: closing the channel puts them back.
        return ids.Count == 0 ? null : ids;
    }
}

using System.Net;
using System.Text.Json.Nodes;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Contracts.Events;
using JinDu.Testing;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using StackExchange.Redis;

namespace JinDu.IntegrationTests;

/// <summary>
/// Issue 4 in the distributed mode: leads in PostgreSQL (schema from the migrations), the watchlist in Redis kept
/// current by WatchlistChanged from Leads' outbox, through the gateway.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class Leads_across_the_distributed_platform(DistributedPlatform platform)
{
    private const string Leads = "/api/leads/v1/leads";
    private readonly PlatformClient _client = platform.Platform();

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, string user, object? body, HttpStatusCode expected)
    {
        using var response = await _client.SendAsync(method, path, user, body, method == HttpMethod.Post ? Guid.NewGuid().ToString() : null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}\n{platform.Logs()}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>The references Redis holds for any token: the watchlist as every Leads instance sees it.</summary>
    private async Task<bool> RedisHoldsAsync(string reference)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(platform.Servers.RedisConfiguration);
        var server = redis.GetServers()[0];
        var db = redis.GetDatabase();
        await foreach (var key in server.KeysAsync(pattern: "jindu:wl:*"))
            if (key != JinDu.BuildingBlocks.Caching.WatchlistCache.Members && await db.HashExistsAsync(key, reference)) return true;
        return false;
    }

    private async Task<JsonNode> InspectPhoneAtDushanAsync(string phone, string result = "clear") =>
        await SendAsync(HttpMethod.Post, "/api/screening/v1/inspections", "officer.522726", new
        {
            checkpointId = PlatformClient.DushanCheckpoint, method = "manual_search", result, subject = new { phone },
        }, HttpStatusCode.Created);

    [Fact]
    public async Task A_lead_joins_the_watchlist_in_Redis_and_leaves_it_when_closed()
    {
        var phone = "139" + Random.Shared.Next(10_000_000, 99_999_999);
        var lead = await SendAsync(HttpMethod.Post, Leads, "analyst.522722", new
        {
            summary = "网约车司机疑似运毒", severity = 4, substances = new[] { "heroin" }, reliability = "C", credibility = 3,
            subjects = new[] { new { kind = "phone", value = phone } },
        }, HttpStatusCode.Created);
        var reference = lead["reference"]!.GetValue<string>();

        await PlatformClient.EventuallyAsync(async () => await RedisHoldsAsync(reference) ? "in" : null, TimeSpan.FromSeconds(30), "the lead's token in Redis");
        var hit = await PlatformClient.EventuallyAsync(async () =>
            (await InspectPhoneAtDushanAsync(phone))["watchlist"]!["hits"]!.AsArray().FirstOrDefault(h => h!["leadReference"]!.GetValue<string>() == reference),
            TimeSpan.FromSeconds(30), "a watchlist hit at the checkpoint");
        Assert.Equal("522722", hit!["ownerAgency"]!.GetValue<string>());

        // Searching (PostgreSQL: token, substance array, severity) finds it; another county does not.
        var found = await SendAsync(HttpMethod.Get, $"{Leads}?phone={phone}&substance=heroin&minSeverity=4", "analyst.522722", null, HttpStatusCode.OK);
        Assert.Equal(lead["id"]!.GetValue<string>(), Assert.Single(found["items"]!.AsArray())!["id"]!.GetValue<string>());
        var foreign = await SendAsync(HttpMethod.Get, $"{Leads}?phone={phone}", "analyst.522701", null, HttpStatusCode.OK);
        Assert.Empty(foreign["items"]!.AsArray());
        await SendAsync(HttpMethod.Get, $"{Leads}/{lead["id"]}", "analyst.522701", null, HttpStatusCode.NotFound);

        // A suspicious check of that phone at another county's checkpoint gives the owner a confirmation task.
        await InspectPhoneAtDushanAsync(phone, "suspicious");
        var task = await PlatformClient.EventuallyAsync(async () =>
            (await SendAsync(HttpMethod.Get, "/api/leads/v1/hit-tasks", "analyst.522722", null, HttpStatusCode.OK))["items"]!.AsArray()
                .FirstOrDefault(t => t!["leadReference"]!.GetValue<string>() == reference), TimeSpan.FromSeconds(30), "the hit-confirmation task");
        Assert.Equal("urgent", task!["urgency"]!.GetValue<string>());
        // That flag also made 独山县 a lead, correlated with this one (a link on both). The task above may be an
        // earlier clear check's, so wait for the link: closing while the flag is applied would rightly answer 409.
        await PlatformClient.EventuallyAsync(async () =>
            (await SendAsync(HttpMethod.Get, $"{Leads}/{lead["id"]}", "analyst.522722", null, HttpStatusCode.OK))["links"]!.AsArray().Count > 0 ? "linked" : null,
            TimeSpan.FromSeconds(30), "the correlation with 独山县's lead");

        await SendAsync(HttpMethod.Post, $"{Leads}/{lead["id"]}/status", "analyst.522722", new { status = "investigating" }, HttpStatusCode.Conflict);
        await SendAsync(HttpMethod.Post, $"{Leads}/{lead["id"]}/status", "analyst.522722", new { status = "closed", reason = "unfounded" }, HttpStatusCode.OK);

        await PlatformClient.EventuallyAsync(async () => await RedisHoldsAsync(reference) ? null : "out", TimeSpan.FromSeconds(30), "the lead's token gone from Redis");
        var after = await InspectPhoneAtDushanAsync(phone);
        Assert.DoesNotContain(after["watchlist"]!["hits"]!.AsArray(), h => h!["leadReference"]!.GetValue<string>() == reference);

        // A late "add" for the closed lead, applied after its removal (a row published again from Leads' outbox table, or
        // another instance that was slower), leaves it off: closing is final, and Redis remembers the removed lead. Stored
        // in Leads' outbox as a row no commit handed over, it goes the table's way; its row is marked sent only once
        // Redis has applied it.
        // Beside it, an add of a new token for an open lead, which must land: the table's way does apply.
        var open = (await SendAsync(HttpMethod.Post, Leads, "analyst.522722", new
        {
            summary = "同一司机的新线索", severity = 3, substances = new[] { "heroin" }, reliability = "C", credibility = 3,
            subjects = new[] { new { kind = "phone", value = "139" + Random.Shared.Next(10_000_000, 99_999_999) } },
        }, HttpStatusCode.Created))["reference"]!.GetValue<string>();
        var freshToken = "late-" + Guid.NewGuid().ToString("N");
        OutboxMessage Add(string lead, string token) => OutboxMessage.From(new WatchlistChanged
        {
            EventId = Guid.NewGuid(), OccurredAt = DateTimeOffset.UtcNow.AddSeconds(-5), ProducerAgency = "522722",
            LeadReference = lead, OwnerAgency = "522722", Severity = 4, AddedTokens = [token], RemovedTokens = [],
        });
        List<OutboxMessage> late = [Add(reference, "late-" + Guid.NewGuid().ToString("N")), Add(open, freshToken)];
        await using (var leadsDb = new NpgsqlConnection(platform.LeadsDatabase))
        {
            await leadsDb.OpenAsync();
            foreach (var row in late)
            {
                await using var insert = new NpgsqlCommand("""
                    INSERT INTO outbox_messages ("MessageId", "Type", "Body", "OccurredAt", "Attempts") VALUES ($1, $2, $3, $4, 0)
                    """, leadsDb) { Parameters = { new() { Value = row.MessageId }, new() { Value = row.Type }, new() { Value = row.Body }, new() { Value = row.OccurredAt } } };
                await insert.ExecuteNonQueryAsync();
            }
            await PlatformClient.EventuallyAsync(async () =>
            {
                await using var sent = new NpgsqlCommand("""SELECT count(*) FROM outbox_messages WHERE "MessageId" = ANY($1) AND "SentAt" IS NOT NULL""", leadsDb)
                    { Parameters = { new() { Value = late.Select(r => r.MessageId).ToArray() } } };
                return (long)(await sent.ExecuteScalarAsync())! == late.Count ? "applied" : null;
            }, TimeSpan.FromSeconds(30), "the late adds published and applied from Leads' outbox table");
        }
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(platform.Servers.RedisConfiguration))
            Assert.True(await redis.GetDatabase().HashExistsAsync(JinDu.BuildingBlocks.Caching.WatchlistCache.Key(freshToken), open),
                "an add from the outbox table for an open lead did not reach Redis");
        Assert.False(await RedisHoldsAsync(reference), "a late add put the closed lead back on the watchlist");

        var figures = await SendAsync(HttpMethod.Get, "/api/leads/v1/figures", "supervisor.522722", null, HttpStatusCode.OK);
        Assert.True(figures["byStatus"]!["closed"]!.GetValue<int>() >= 1);
    }

    [Fact]
    public async Task Leads_of_two_counties_on_one_person_are_linked_in_PostgreSQL()
    {
        var id = TestIds.Person("522726");
        object Lead() => new { summary = "同一嫌疑人", severity = 3, subjects = new[] { new { kind = "person", value = id } } };
        var first = await SendAsync(HttpMethod.Post, Leads, "analyst.522722", Lead(), HttpStatusCode.Created);
        var second = await SendAsync(HttpMethod.Post, Leads, "analyst.522726", Lead(), HttpStatusCode.Created);
        Assert.Equal(first["reference"]!.GetValue<string>(), Assert.Single(second["links"]!.AsArray())!["reference"]!.GetValue<string>());
        var back = await SendAsync(HttpMethod.Get, $"{Leads}/{first["id"]}", "analyst.522722", null, HttpStatusCode.OK);
        Assert.Equal("522726", Assert.Single(back["links"]!.AsArray())!["agency"]!.GetValue<string>());
        Assert.DoesNotContain(id, back.ToJsonString());

        // Each owner's deconfliction notice crosses RabbitMQ into Cooperation's PostgreSQL and its inbox.
        foreach (var (liaison, mine, other) in new[] { ("liaison.522722", first, second), ("liaison.522726", second, first) })
        {
            var notice = await PlatformClient.EventuallyAsync(async () =>
                (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", liaison))["items"]!.AsArray().FirstOrDefault(n =>
                    n!["type"]!.GetValue<string>() == "deconfliction" && n["payload"]!["leadReference"]!.GetValue<string>() == mine["reference"]!.GetValue<string>()),
                TimeSpan.FromSeconds(30), $"{liaison}'s deconfliction notice");
            Assert.Equal(other["reference"]!.GetValue<string>(), notice!["payload"]!["otherLeadReference"]!.GetValue<string>());
            Assert.DoesNotContain(id[^4..], notice.ToJsonString());
        }
    }

    [Fact]
    public async Task Sharing_and_requests_for_access_work_on_PostgreSQL()
    {
        var id = TestIds.Person("522726");
        object Lead() => new { summary = "共享测试", severity = 3, subjects = new[] { new { kind = "person", value = id } } };
        var ours = await SendAsync(HttpMethod.Post, Leads, "analyst.522722", Lead(), HttpStatusCode.Created);
        var path = $"{Leads}/{ours["id"]}";

        // Partners: an analyst's request, a supervisor's approval, then the partner reads and finds it.
        await SendAsync(HttpMethod.Get, path, "analyst.522701", null, HttpStatusCode.NotFound);
        var request = await SendAsync(HttpMethod.Post, $"{path}/sharing", "analyst.522722", new { level = "partners", agencies = new[] { "522701" } }, HttpStatusCode.Accepted);
        await SendAsync(HttpMethod.Post, $"{path}/sharing/requests/{request["id"]}/approve", "supervisor.522722", new { }, HttpStatusCode.OK);
        var seen = await SendAsync(HttpMethod.Get, path, "analyst.522701", null, HttpStatusCode.OK);
        Assert.DoesNotContain(id, seen.ToJsonString());
        var shared = await SendAsync(HttpMethod.Get, $"{Leads}?scope=shared&idNumber={id}", "analyst.522701", null, HttpStatusCode.OK);
        Assert.Single(shared["items"]!.AsArray());

        // A county with a pointer (its own lead on the person) asks, and is granted access for a day.
        await SendAsync(HttpMethod.Post, Leads, "analyst.522726", Lead(), HttpStatusCode.Created);
        var ask = await SendAsync(HttpMethod.Post, "/api/leads/v1/access-requests", "analyst.522726",
            new { reference = ours["reference"]!.GetValue<string>(), reason = "同一嫌疑人" }, HttpStatusCode.Created);
        await SendAsync(HttpMethod.Post, $"/api/leads/v1/access-requests/{ask["id"]}/grant", "analyst.522722",
            new { expiresAt = DateTimeOffset.UtcNow.AddDays(1).ToOffset(TimeSpan.FromHours(8)) }, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Get, path, "analyst.522726", null, HttpStatusCode.OK);
    }
    [Fact]
    public async Task Seizures_of_one_new_person_at_once_make_one_lead_that_every_flag_joins()
    {
        // Twelve seizures of a person nobody has a lead on, posted together: Leads consumes the flags
        // concurrently, and "find the open lead or make one" must still make only one.
        var id = TestIds.Person("522726");
        await _client.TokenAsync("officer.522722");
        var posts = Enumerable.Range(0, 12).Select(_ => SendAsync(HttpMethod.Post, "/api/screening/v1/inspections", "officer.522722",
            PlatformClient.SeizureOf(id), HttpStatusCode.Created));
        await Task.WhenAll(posts);

        var leads = await PlatformClient.EventuallyAsync(async () =>
        {
            var found = (await SendAsync(HttpMethod.Get, $"{Leads}?idNumber={id}", "analyst.522722", null, HttpStatusCode.OK))["items"]!.AsArray();
            var flags = 0;
            foreach (var item in found)
            {
                var lead = await SendAsync(HttpMethod.Get, $"{Leads}/{item!["id"]}", "analyst.522722", null, HttpStatusCode.OK);
                flags += lead["timeline"]!.AsArray().Count(t => t!["action"]!.GetValue<string>() is "created_from_flag" or "flag_joined");
            }
            return flags == 12 ? found : null;
        }, TimeSpan.FromSeconds(60), "all twelve flags applied");
        Assert.Single(leads!);
    }

    [Fact]
    public async Task The_queue_Leads_took_its_own_watchlist_events_from_is_deleted_at_its_start()
    {
        // As an earlier version left it on a broker: the durable queue, holding events nobody will take now.
        const string retired = "leads-watchlist-changed";
        var factory = new ConnectionFactory { Uri = new Uri(platform.Servers.RabbitMqUri) };
        await using var connection = await factory.CreateConnectionAsync();
        await platform.StopServiceAsync("leads");
        try
        {
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclareAsync(retired, durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            await channel.BasicPublishAsync("", retired, System.Text.Encoding.UTF8.GetBytes("{}"));
        }
        finally
        {
            await platform.StartServiceAsync("leads");
        }
        try
        {
            await PlatformClient.EventuallyAsync(async () =>
            {
                await using var channel = await connection.CreateChannelAsync();
                try
                {
                    await channel.QueueDeclarePassiveAsync(retired);
                    return null;
                }
                catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
                {
                    return "gone";
                }
            }, TimeSpan.FromSeconds(60), "the retired queue deleted by Leads at its start");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{platform.Logs()}", ex);
        }
        finally
        {
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(retired);
        }
    }

    [Fact]
    public async Task A_retired_queue_that_still_has_a_consumer_is_left_until_a_start_finds_it_unused()
    {
        // An instance of the earlier version still consuming during a rolling upgrade keeps its queue.
        var name = "retired-" + Guid.NewGuid().ToString("N")[..8];
        var factory = new ConnectionFactory { Uri = new Uri(platform.Servers.RabbitMqUri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        var consumer = await channel.BasicConsumeAsync(name, autoAck: false, new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel));
        var retired = new RetiredQueues(new Uri(platform.Servers.RabbitMqUri), [name], Microsoft.Extensions.Logging.Abstractions.NullLogger<RetiredQueues>.Instance);

        Assert.Empty(await retired.DeleteAsync(CancellationToken.None));
        Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync(name)).ConsumerCount);

        await channel.BasicCancelAsync(consumer);
        Assert.Equal([name], await retired.DeleteAsync(CancellationToken.None));
        await using var check = await connection.CreateChannelAsync();
        var gone = await Assert.ThrowsAsync<OperationInterruptedException>(() => check.QueueDeclarePassiveAsync(name));
        Assert.Equal((ushort)404, gone.ShutdownReason?.ReplyCode);
        // Absent is nothing to do.
        Assert.Equal([name], await retired.DeleteAsync(CancellationToken.None));
    }
}

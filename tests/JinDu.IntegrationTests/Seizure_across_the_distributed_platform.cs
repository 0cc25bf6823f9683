using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.IntegrationTests;

/// <summary>Issue 2, point 2, through the gateway, with each service in its own process and database.</summary>
[Collection(DistributedCollection.Name)]
public sealed class Seizure_across_the_distributed_platform(DistributedPlatform platform)
{
    private readonly PlatformClient _client = platform.Platform();

    [Fact]
    public async Task Reaches_the_lead_owner_and_the_household_county_and_nobody_else()
    {
        var id = TestIds.Person("522726");
        using var posted = await _client.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(id), Guid.NewGuid().ToString());
        var body = await posted.Content.ReadAsStringAsync();
        Assert.True(posted.StatusCode == HttpStatusCode.Created, $"{(int)posted.StatusCode} {body}\n{platform.Logs()}");
        var inspection = JsonNode.Parse(body)!;
        var inspectionId = inspection["id"]!.GetValue<string>();
        // Leads answered the watchlist question over gRPC.
        Assert.True(inspection["watchlist"]!["checked"]!.GetValue<bool>(), $"watchlist not checked\n{platform.Logs()}");

        var lead = await PlatformClient.EventuallyAsync(async () =>
            (await _client.GetJsonAsync($"/api/leads/v1/leads?sourceId={inspectionId}", "analyst.522722"))["items"]!.AsArray().FirstOrDefault(),
            TimeSpan.FromSeconds(30), "the lead in 522722");
        Assert.Equal("522722", lead!["ownerAgency"]!.GetValue<string>());

        var notice = await PlatformClient.EventuallyAsync(async () =>
            (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "liaison.522726"))["items"]!.AsArray()
                .FirstOrDefault(n => n!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId),
            TimeSpan.FromSeconds(30), "the household notice in 522726");
        Assert.Equal("household_county", notice!["type"]!.GetValue<string>());
        Assert.DoesNotContain(id, notice.ToJsonString());

        using var foreign = await _client.GetAsync($"/api/leads/v1/leads/{lead["id"]}", "analyst.522701");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        var foreignInbox = await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "liaison.522701");
        Assert.DoesNotContain(foreignInbox["items"]!.AsArray(), n => n!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId);
    }

    [Fact]
    public async Task Puts_the_person_on_the_watchlist_in_redis_for_every_checkpoint()
    {
        var id = TestIds.Person("522726");
        using var posted = await _client.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(id));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);

        // 独山's officer, through the gateway → Screening → gRPC → Leads → Redis, is told whom to call.
        var hit = await PlatformClient.EventuallyAsync(async () =>
        {
            using var again = await _client.PostAsync("/api/screening/v1/inspections", "officer.522726", new
            {
                checkpointId = PlatformClient.DushanCheckpoint, method = "manual_search", result = "clear", subject = new { idNumber = id },
            });
            var answer = JsonNode.Parse(await again.Content.ReadAsStringAsync())!;
            return answer["watchlist"]?["hits"]?.AsArray().FirstOrDefault();
        }, TimeSpan.FromSeconds(30), "a watchlist hit");
        Assert.Equal("522722", hit!["ownerAgency"]!.GetValue<string>());

        // The watchlist lives in Redis (tokens only), so every Leads instance answers the same.
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(platform.Servers.RedisConfiguration);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var keys = server.Keys(pattern: "jindu:wl:*").Take(1000).ToList();
        Assert.NotEmpty(keys);
        foreach (var key in keys)
            Assert.DoesNotContain(id, key.ToString());
        var members = await redis.GetDatabase().SetMembersAsync(JinDu.BuildingBlocks.Caching.WatchlistCache.Members);
        Assert.NotEmpty(members);
        Assert.DoesNotContain(members, m => m.ToString().Contains(id));
    }

    [Fact]
    public async Task The_gateway_refuses_calls_without_a_token_before_they_reach_a_service()
    {
        using var response = await _client.GetAsync("/api/leads/v1/leads", user: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_gateway_passes_the_services_problem_details_through()
    {
        using var response = await _client.PostAsync("/api/screening/v1/inspections", "officer.522722",
            PlatformClient.SeizureOf(TestIds.WithWrongCheckDigit(TestIds.Person("522726"))));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(problem["errors"]!["subject.idNumber"]);
        Assert.True(response.Headers.Contains("X-Correlation-Id"));
    }

    [Fact]
    public async Task Serves_every_services_openapi_document_and_the_reference_page()
    {
        foreach (var service in new[] { "screening", "leads", "cooperation" })
        {
            var doc = JsonNode.Parse(await _client.Http.GetStringAsync($"/openapi/{service}.json"))!;
            Assert.StartsWith("3.1", doc["openapi"]!.GetValue<string>());
            Assert.Contains(doc["paths"]!.AsObject(), p => p.Key.StartsWith($"/api/{service}/v1/"));
        }
        using var page = await _client.Http.GetAsync("/api-reference");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}

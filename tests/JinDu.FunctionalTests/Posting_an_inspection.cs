using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using JinDu.BuildingBlocks.Auth.LocalIssuer;
using JinDu.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace JinDu.FunctionalTests;

/// <summary>Bad input, authentication and authorization at the inspection endpoint.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class Posting_an_inspection(StandaloneFactory factory)
{
    private const string Path = "/api/screening/v1/inspections";
    private readonly PlatformClient _platform = factory.Platform();

    private async Task<JsonNode> ExpectProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.False(string.IsNullOrEmpty(problem["traceId"]?.GetValue<string>()), "problem details carry a traceId");
        return problem;
    }

    private async Task<JsonNode> ExpectFieldErrorAsync(object body, string field)
    {
        using var response = await _platform.PostAsync(Path, "officer.522722", body);
        var problem = await ExpectProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("urn:jindu:problem:validation", problem["type"]!.GetValue<string>());
        Assert.True(problem["errors"]?[field] is not null, $"errors should name {field}: {problem.ToJsonString()}");
        return problem;
    }

    [Fact]
    public Task Is_refused_with_the_field_named_when_the_check_digit_is_wrong() =>
        ExpectFieldErrorAsync(PlatformClient.SeizureOf(TestIds.WithWrongCheckDigit(TestIds.Person("522726"))), "subject.idNumber");

    [Fact]
    public Task Is_refused_when_the_birth_date_is_impossible() =>
        ExpectFieldErrorAsync(PlatformClient.SeizureOf(TestIds.Person("522726", birth: "19900230")), "subject.idNumber");

    [Fact]
    public Task Is_refused_when_the_result_is_missing() =>
        ExpectFieldErrorAsync(new { checkpointId = PlatformClient.LiboCheckpoint, method = "dog", subject = new { plate = "贵J12345" } }, "result");

    [Fact]
    public Task Is_refused_at_an_unknown_checkpoint() =>
        ExpectFieldErrorAsync(PlatformClient.SeizureOf(TestIds.Person("522726"), checkpoint: Guid.NewGuid()), "checkpointId");

    [Fact]
    public Task Is_refused_at_another_countys_checkpoint() =>
        ExpectFieldErrorAsync(PlatformClient.SeizureOf(TestIds.Person("522726"), checkpoint: PlatformClient.DushanCheckpoint), "checkpointId");

    [Fact]
    public Task Is_refused_when_a_seizure_weighs_nothing() =>
        ExpectFieldErrorAsync(PlatformClient.SeizureOf(TestIds.Person("522726"), grams: 0), "seizures[0].grams");

    [Theory]
    [InlineData("贵J12345", "贵J***45")]
    [InlineData("粤B·D12345", "粤B****45")]
    public async Task Of_a_vehicle_is_recorded_with_the_plate_masked(string plate, string masked)
    {
        using var response = await _platform.PostAsync(Path, "officer.522722", new
        {
            checkpointId = PlatformClient.LiboCheckpoint, method = "dog", result = "clear", subject = new { plate, phone = "13812345678" },
        });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToJsonString());
        Assert.False(body["flagged"]!.GetValue<bool>());
        var subjects = body["subjects"]!.AsArray().Select(s => s!["masked"]!.GetValue<string>()).ToList();
        Assert.Contains(masked, subjects);
        Assert.Contains("138****5678", subjects);
    }

    [Fact]
    public async Task Is_refused_with_problem_details_when_the_body_is_not_json()
    {
        using var response = await _platform.PostAsync(Path, "officer.522722", "{ this is not json");
        await ExpectProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Names_every_bad_field_at_once_and_stores_nothing()
    {
        var before = (await _platform.GetJsonAsync(Path + "?limit=500", "officer.522722"))["items"]!.AsArray().Count;
        var problem = await ExpectFieldErrorAsync(new
        {
            checkpointId = PlatformClient.LiboCheckpoint, method = "telepathy", result = "seizure",
            subject = new { idNumber = "123", plate = "XX12345", phone = "12345" },
            seizures = new[] { new { substance = "sugar", grams = 5m } },
        }, "method");
        foreach (var field in new[] { "subject.idNumber", "subject.plate", "subject.phone", "seizures[0].substance" })
            Assert.True(problem["errors"]?[field] is not null, $"errors should name {field}");
        var after = (await _platform.GetJsonAsync(Path + "?limit=500", "officer.522722"))["items"]!.AsArray().Count;
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Needs_a_token()
    {
        using var response = await _platform.PostAsync(Path, user: null, PlatformClient.SeizureOf(TestIds.Person("522726")));
        await ExpectProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Needs_the_checkpoint_officer_role()
    {
        using var response = await _platform.PostAsync(Path, "analyst.522722", PlatformClient.SeizureOf(TestIds.Person("522726")));
        await ExpectProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Refuses_a_token_signed_by_another_key()
    {
        var forger = new LocalTokenIssuer("jindu-standalone", LocalTokenIssuer.LoadOrCreateKey(null), TimeProvider.System);
        await ExpectUnauthorizedAsync(forger.CreateToken("officer.522722", "x", "522722", ["checkpoint-officer"]));
    }

    [Fact]
    public async Task Refuses_an_expired_token()
    {
        var real = factory.Services.GetRequiredService<LocalTokenIssuer>();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));
        var past = new LocalTokenIssuer(real.Issuer, real.SigningKey, clock, real.Audience, TimeSpan.FromHours(1));
        await ExpectUnauthorizedAsync(past.CreateToken("officer.522722", "x", "522722", ["checkpoint-officer"]));
    }

    [Fact]
    public async Task Refuses_a_token_for_another_audience()
    {
        var real = factory.Services.GetRequiredService<LocalTokenIssuer>();
        var other = new LocalTokenIssuer(real.Issuer, real.SigningKey, TimeProvider.System, "some-other-api");
        await ExpectUnauthorizedAsync(other.CreateToken("officer.522722", "x", "522722", ["checkpoint-officer"]));
    }

    private async Task ExpectUnauthorizedAsync(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        using var response = await _platform.Http.SendAsync(request);
        await ExpectProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Retried_with_the_same_idempotency_key_creates_one_record_and_the_same_answer()
    {
        var body = PlatformClient.SeizureOf(TestIds.Person("522726"));
        var key = Guid.NewGuid().ToString();
        using var first = await _platform.PostAsync(Path, "officer.522722", body, key);
        using var second = await _platform.PostAsync(Path, "officer.522722", body, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var a = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        var b = JsonNode.Parse(await second.Content.ReadAsStringAsync())!;
        Assert.Equal(a["id"]!.GetValue<string>(), b["id"]!.GetValue<string>());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        var list = await _platform.GetJsonAsync(Path + "?limit=500", "officer.522722");
        Assert.Single(list["items"]!.AsArray(), i => i!["id"]!.GetValue<string>() == a["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Retried_concurrently_with_the_same_key_still_creates_one_record()
    {
        var body = PlatformClient.SeizureOf(TestIds.Person("522726"));
        var key = Guid.NewGuid().ToString();
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _platform.PostAsync(Path, "officer.522722", body, key)));
        var ids = new HashSet<string>();
        foreach (var r in responses)
        {
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            ids.Add(JsonNode.Parse(await r.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
            r.Dispose();
        }
        Assert.Single(ids);
    }

    [Fact]
    public async Task Reusing_a_key_for_a_different_request_is_refused()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await _platform.PostAsync(Path, "officer.522722", PlatformClient.SeizureOf(TestIds.Person("522726")), key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var second = await _platform.PostAsync(Path, "officer.522722", PlatformClient.SeizureOf(TestIds.Person("522726")), key);
        var problem = await ExpectProblemAsync(second, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("urn:jindu:problem:idempotency-key-reused", problem["type"]!.GetValue<string>());
    }

    /// <summary>Posts clear inspections of the person at 独山 until the watchlist names them (or gives up).</summary>
    internal static Task<JsonNode> WatchlistAnswerAsync(PlatformClient platform, string idNumber) =>
        PlatformClient.EventuallyAsync(async () =>
        {
            using var again = await platform.PostAsync(Path, "officer.522726", new
            {
                checkpointId = PlatformClient.DushanCheckpoint, method = "manual_search", result = "clear", subject = new { idNumber },
            });
            var answer = JsonNode.Parse(await again.Content.ReadAsStringAsync())!;
            Assert.True(again.StatusCode == HttpStatusCode.Created, answer.ToJsonString());
            Assert.True(answer["watchlist"]!["checked"]!.GetValue<bool>());
            return answer["watchlist"]!["hits"]!.AsArray().Count > 0 ? answer : null;
        }, TimeSpan.FromSeconds(20), "a watchlist hit");

    [Fact]
    public async Task Answers_that_a_person_nobody_looks_for_is_not_on_the_watchlist()
    {
        using var response = await _platform.PostAsync(Path, "officer.522726", new
        {
            checkpointId = PlatformClient.DushanCheckpoint, method = "manual_search", result = "clear", subject = new { idNumber = TestIds.Person("522726") },
        });
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(answer["watchlist"]!["checked"]!.GetValue<bool>());
        Assert.Empty(answer["watchlist"]!["hits"]!.AsArray());
    }

    [Fact]
    public async Task Answers_whether_the_subject_is_on_the_watchlist()
    {
        var id = TestIds.Person("522726");
        using var first = await _platform.PostAsync(Path, "officer.522722", PlatformClient.SeizureOf(id));
        var firstId = JsonNode.Parse(await first.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        var lead = await PlatformClient.EventuallyAsync(async () =>
            (await _platform.GetJsonAsync($"/api/leads/v1/leads?sourceId={firstId}", "analyst.522722"))["items"]!.AsArray().FirstOrDefault(),
            what: "the lead");

        // Now the same person passes a checkpoint in 独山: the officer there is told at once whom to call.
        // (The watchlist follows the lead through an event, a few milliseconds behind it.)
        var answer = await WatchlistAnswerAsync(_platform, id);
        var hit = Assert.Single(answer["watchlist"]!["hits"]!.AsArray());
        Assert.Equal("522722", hit!["ownerAgency"]!.GetValue<string>());
        Assert.Equal(lead!["reference"]!.GetValue<string>(), hit["leadReference"]!.GetValue<string>());
        Assert.Equal("荔波县禁毒办", hit["contact"]!.GetValue<string>());
        Assert.Equal("person", hit["kind"]!.GetValue<string>());
        Assert.DoesNotContain(id, answer.ToJsonString());
    }
}

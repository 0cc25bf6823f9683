using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>Issue 5, part 1: agencies, agreements, sharing groups and subscriptions, each in its caller's scope.</summary>
public sealed class Partner_agreements_and_subscriptions(StandaloneFactory factory) : IClassFixture<StandaloneFactory>
{
    private readonly PlatformClient _platform = factory.Platform();

    private async Task<JsonNode> SendOkAsync(HttpMethod method, string path, string user, object? body, HttpStatusCode expected)
    {
        using var response = await _platform.SendAsync(method, path, user, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} as {user}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> TryAsync(HttpMethod method, string path, string user, object? body = null)
    {
        using var response = await _platform.SendAsync(method, path, user, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task Every_county_and_prefecture_is_a_known_agency_and_the_demo_ones_take_part()
    {
        var unregistered = await _platform.GetJsonAsync("/api/cooperation/v1/agencies/520303", "liaison.522722");
        Assert.False(unregistered["registered"]!.GetValue<bool>());
        Assert.Equal("county", unregistered["level"]!.GetValue<string>());
        Assert.Equal("520300", unregistered["prefecture"]!.GetValue<string>());

        var prefecture = await _platform.GetJsonAsync("/api/cooperation/v1/agencies/522700", "liaison.522722");
        Assert.True(prefecture["registered"]!.GetValue<bool>());
        Assert.Equal("prefecture", prefecture["level"]!.GetValue<string>());

        var list = await _platform.GetJsonAsync("/api/cooperation/v1/agencies", "analyst.522701");
        var codes = list["items"]!.AsArray().Select(a => a!["code"]!.GetValue<string>()).ToArray();
        Assert.Subset(codes.ToHashSet(), new HashSet<string> { "522700", "522701", "522722", "522726" });
        Assert.DoesNotContain("520303", codes);
        Assert.Null(list["items"]![0]!["contacts"]);

        // A province is not an agency, nor is a code that was never issued.
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(HttpMethod.Get, "/api/cooperation/v1/agencies/520000", "liaison.522722")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(HttpMethod.Get, "/api/cooperation/v1/agencies/529999", "liaison.522722")).Status);
    }

    [Fact]
    public async Task The_platform_admin_registers_an_agency_whose_contacts_are_read_under_audit()
    {
        var body = new
        {
            displayName = "遵义市红花岗区禁毒办",
            contacts = new[] { new { name = "王五", phone = "13812345678", email = "duty@example.cn", role = "值班" } },
            liaisonAccounts = new[] { "liaison.520302" },
        };
        var (denied, _) = await TryAsync(HttpMethod.Put, "/api/cooperation/v1/agencies/520302", "liaison.522722", body);
        Assert.Equal(HttpStatusCode.Forbidden, denied);

        var created = await SendOkAsync(HttpMethod.Put, "/api/cooperation/v1/agencies/520302", "admin", body, HttpStatusCode.Created);
        Assert.True(created["registered"]!.GetValue<bool>());
        await SendOkAsync(HttpMethod.Put, "/api/cooperation/v1/agencies/520302", "admin", body with { displayName = "红花岗区禁毒办" }, HttpStatusCode.OK);

        var read = await _platform.GetJsonAsync("/api/cooperation/v1/agencies/520302", "supervisor.522726");
        Assert.Equal("红花岗区禁毒办", read["displayName"]!.GetValue<string>());
        Assert.Equal("13812345678", read["contacts"]![0]!["phone"]!.GetValue<string>());

        var audit = await _platform.GetJsonAsync("/api/cooperation/v1/audit?actor=supervisor.522726", "auditor");
        Assert.Contains(audit["items"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "read_personal_data"
            && e["target"]!.GetValue<string>() == "agency/520302/contacts");

        var (bad, problem) = await TryAsync(HttpMethod.Put, "/api/cooperation/v1/agencies/520302", "admin",
            new { displayName = "", contacts = new[] { new { name = "王五", phone = "12345" } } });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.NotNull(problem!["errors"]!["displayName"]);
        Assert.NotNull(problem["errors"]!["contacts[0].phone"]);
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(HttpMethod.Put, "/api/cooperation/v1/agencies/520000", "admin", body)).Status);
    }

    [Fact]
    public async Task An_agreement_is_seen_by_its_parties_and_their_prefectures_only()
    {
        var agreement = await SendOkAsync(HttpMethod.Post, "/api/cooperation/v1/agreements", "admin",
            new { parties = new[] { "522722", "530102" }, sharingLevels = new[] { "partners", "group" }, disclosure = "masked" }, HttpStatusCode.Created);
        var id = agreement["id"]!.GetValue<string>();
        Assert.Equal(["522722", "530102"], agreement["parties"]!.AsArray().Select(p => p!.GetValue<string>()).ToArray());

        var again = await TryAsync(HttpMethod.Post, "/api/cooperation/v1/agreements", "admin",
            new { parties = new[] { "530102", "522722" }, sharingLevels = new[] { "partners" }, disclosure = "full" });
        Assert.Equal(HttpStatusCode.Conflict, again.Status);

        Assert.Equal("masked", (await _platform.GetJsonAsync($"/api/cooperation/v1/agreements/{id}", "liaison.522722"))["disclosure"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await TryAsync(HttpMethod.Get, $"/api/cooperation/v1/agreements/{id}", "supervisor.522700")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(HttpMethod.Get, $"/api/cooperation/v1/agreements/{id}", "liaison.522726")).Status);
        Assert.DoesNotContain((await _platform.GetJsonAsync("/api/cooperation/v1/agreements", "liaison.522726"))["items"]!.AsArray(),
            a => a!["id"]!.GetValue<string>() == id);
        Assert.Equal(HttpStatusCode.Forbidden, (await TryAsync(HttpMethod.Delete, $"/api/cooperation/v1/agreements/{id}", "supervisor.522722")).Status);

        await SendOkAsync(HttpMethod.Delete, $"/api/cooperation/v1/agreements/{id}", "admin", null, HttpStatusCode.NoContent);
        Assert.NotNull((await _platform.GetJsonAsync($"/api/cooperation/v1/agreements/{id}", "liaison.522722"))["revokedAt"]);
    }

    [Fact]
    public async Task A_bad_agreement_names_every_bad_field()
    {
        var (status, problem) = await TryAsync(HttpMethod.Post, "/api/cooperation/v1/agreements", "admin",
            new { parties = new[] { "522722", "520000" }, sharingLevels = new[] { "internal", "everyone" }, disclosure = "plain" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = problem!["errors"]!.AsObject();
        Assert.Equal(["disclosure", "parties[1]", "sharingLevels[0]", "sharingLevels[1]"], errors.Select(e => e.Key).Order().ToArray());
        Assert.DoesNotContain((await _platform.GetJsonAsync("/api/cooperation/v1/agreements", "admin"))["items"]!.AsArray(),
            a => a!["parties"]!.AsArray().Any(p => p!.GetValue<string>() == "520000"));
    }

    [Fact]
    public async Task A_sharing_group_is_the_owners_and_its_members_business()
    {
        var group = await SendOkAsync(HttpMethod.Post, "/api/cooperation/v1/groups", "supervisor.522726",
            new { name = "黔桂边境联防", members = new[] { "522701", "451200" } }, HttpStatusCode.Created);
        var id = group["id"]!.GetValue<string>();
        Assert.Equal("522726", group["ownerAgency"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await TryAsync(HttpMethod.Get, $"/api/cooperation/v1/groups/{id}", "liaison.522701")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(HttpMethod.Get, $"/api/cooperation/v1/groups/{id}", "liaison.522722")).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await TryAsync(HttpMethod.Post, "/api/cooperation/v1/groups", "supervisor.522726",
            new { name = "黔桂边境联防", members = new[] { "522701" } })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await TryAsync(HttpMethod.Post, "/api/cooperation/v1/groups", "liaison.522726",
            new { name = "x", members = new[] { "522701" } })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(HttpMethod.Delete, $"/api/cooperation/v1/groups/{id}", "supervisor.522722")).Status);
        await SendOkAsync(HttpMethod.Delete, $"/api/cooperation/v1/groups/{id}", "supervisor.522726", null, HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_liaison_subscribes_with_filters_and_watched_identifiers_are_kept_as_tokens()
    {
        var person = TestIds.Person("522726");
        var created = await SendOkAsync(HttpMethod.Post, "/api/cooperation/v1/subscriptions", "liaison.522722", new
        {
            types = new[] { "lead_shared", "household_notice" },
            substances = new[] { "methamphetamine" },
            minSeverity = 3,
            regions = new[] { "522700", "530000" },
            watch = new[] { new { kind = "person", value = person }, new { kind = "phone", value = "13812345678" } },
        }, HttpStatusCode.Created);
        var id = created["id"]!.GetValue<string>();
        Assert.Equal(["household_notice", "lead_shared"], created["types"]!.AsArray().Select(t => t!.GetValue<string>()).Order().ToArray());
        var json = (await _platform.GetJsonAsync($"/api/cooperation/v1/subscriptions/{id}", "liaison.522722")).ToJsonString();
        Assert.DoesNotContain(person, json);
        Assert.DoesNotContain("13812345678", json);
        Assert.Contains(person[..4] + "**********" + person[^4..], json);

        // Another agency's liaison neither sees nor deletes it.
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(HttpMethod.Get, $"/api/cooperation/v1/subscriptions/{id}", "liaison.522726")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(HttpMethod.Delete, $"/api/cooperation/v1/subscriptions/{id}", "liaison.522726")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await TryAsync(HttpMethod.Get, "/api/cooperation/v1/subscriptions", "analyst.522722")).Status);
        await SendOkAsync(HttpMethod.Delete, $"/api/cooperation/v1/subscriptions/{id}", "liaison.522722", null, HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(HttpMethod.Get, $"/api/cooperation/v1/subscriptions/{id}", "liaison.522722")).Status);
    }

    [Fact]
    public async Task A_bad_subscription_names_every_bad_field_and_stores_nothing()
    {
        var (status, problem) = await TryAsync(HttpMethod.Post, "/api/cooperation/v1/subscriptions", "liaison.522726", new
        {
            types = new[] { "lead_shared", "gossip" },
            substances = new[] { "sugar" },
            minSeverity = 9,
            regions = new[] { "999999" },
            watch = new[] { new { kind = "person", value = TestIds.WithWrongCheckDigit(TestIds.Person("522726")) }, new { kind = "email", value = "x" } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["minSeverity", "regions[0]", "substances[0]", "types[1]", "watch[0].value", "watch[1].kind"],
            problem!["errors"]!.AsObject().Select(e => e.Key).Order().ToArray());
        Assert.Empty((await _platform.GetJsonAsync("/api/cooperation/v1/subscriptions", "liaison.522726"))["items"]!.AsArray());
    }

    [Fact]
    public async Task Only_a_registered_liaison_of_a_participating_agency_manages_subscriptions()
    {
        var body = new { types = new[] { "lead_shared" } };
        using var first = await _platform.PostAsync("/api/cooperation/v1/subscriptions", "liaison.522701", body, "same-key-1");
        using var replay = await _platform.PostAsync("/api/cooperation/v1/subscriptions", "liaison.522701", body, "same-key-1");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotency-Replayed").Single());

        // The admin names someone else as 都匀市's liaison: the demo liaison can no longer change subscriptions.
        await SendOkAsync(HttpMethod.Put, "/api/cooperation/v1/agencies/522701", "admin",
            new { displayName = "都匀市禁毒办", liaisonAccounts = new[] { "liaison.other" } }, HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Forbidden, (await TryAsync(HttpMethod.Post, "/api/cooperation/v1/subscriptions", "liaison.522701", body)).Status);
        await SendOkAsync(HttpMethod.Put, "/api/cooperation/v1/agencies/522701", "admin",
            new { displayName = "都匀市禁毒办", liaisonAccounts = new[] { "liaison.522701" } }, HttpStatusCode.OK);
        Assert.Single((await _platform.GetJsonAsync("/api/cooperation/v1/subscriptions", "liaison.522701"))["items"]!.AsArray());
    }
}

using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>What an analyst does with leads over the API, and what the tests check of every answer.</summary>
internal static class LeadSteps
{
    public const string Leads = "/api/leads/v1/leads";

    public static object LeadOf(params (string Kind, string Value)[] subjects) => LeadOf(3, ["methamphetamine"], subjects);

    public static object LeadOf(int severity, string[] substances, params (string Kind, string Value)[] subjects) => new
    {
        summary = "群众反映有人在出租屋内贩卖冰毒",
        severity,
        substances,
        reliability = "B",
        credibility = 2,
        subjects = subjects.Select(s => new { kind = s.Kind, value = s.Value }).ToArray(),
    };

    public static async Task<JsonNode> CreateAsync(this PlatformClient platform, string analyst, object body, string? idempotencyKey = null)
    {
        using var response = await platform.PostAsync(Leads, analyst, body, idempotencyKey);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        var lead = JsonNode.Parse(text)!;
        Assert.Equal($"{Leads}/{lead["id"]}", response.Headers.Location?.ToString());
        return lead;
    }

    public static Task<HttpResponseMessage> MoveAsync(this PlatformClient platform, string user, JsonNode lead, object body) =>
        platform.PostAsync($"{Leads}/{lead["id"]}/status", user, body);

    public static async Task<JsonNode> MovedAsync(this PlatformClient platform, string user, JsonNode lead, object body)
    {
        using var response = await platform.MoveAsync(user, lead, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    public static Task<JsonNode> GetLeadAsync(this PlatformClient platform, string user, JsonNode lead) =>
        platform.GetJsonAsync($"{Leads}/{lead["id"]}", user);

    public static async Task<JsonNode> ExpectProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        if (field is not null) Assert.True(problem["errors"]?[field] is not null, $"errors should name {field}: {text}");
        return problem;
    }

    public static string Status(this JsonNode lead) => lead["status"]!.GetValue<string>();

    public static IEnumerable<string> Actions(this JsonNode lead) => lead["timeline"]!.AsArray().Select(t => t!["action"]!.GetValue<string>());

    public static string Phone() => "139" + Random.Shared.Next(10_000_000, 99_999_999);
}

using System.Net;
using System.Text.Json.Nodes;

namespace JinDu.FunctionalTests;

/// <summary>Issue 4: the Leads OpenAPI document describes the new endpoints, so the gateway's reference shows them.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class Leads_api_reference(StandaloneFactory factory)
{
    [Fact]
    public async Task Lists_the_lead_sharing_tip_and_hit_confirmation_endpoints()
    {
        using var response = await factory.CreateClient().GetAsync("/openapi/leads.json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var paths = JsonNode.Parse(text)!["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var path in new[]
                 {
                     "/api/leads/v1/leads", "/api/leads/v1/leads/{id}/status", "/api/leads/v1/leads/{id}/sharing",
                     "/api/leads/v1/access-requests", "/api/leads/v1/hit-tasks", "/api/leads/v1/figures",
                     "/api/leads/v1/tips", "/api/leads/v1/tips/{receiptCode}", "/api/leads/v1/received-tips/{id}/reward",
                 })
            Assert.Contains(path, paths);
    }
}

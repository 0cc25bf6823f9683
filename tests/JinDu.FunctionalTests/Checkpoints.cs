using System.Net;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>The platform admin registers and closes checkpoints; officers post only at their agency's open ones.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class Checkpoints(StandaloneFactory factory)
{
    private readonly PlatformClient _platform = factory.Platform();

    [Fact]
    public async Task Are_registered_by_the_admin_used_by_their_agency_and_closed_again()
    {
        using var created = await _platform.PostAsync("/api/screening/v1/checkpoints", "admin",
            new { agency = "522722", name = "荔波火车站检查站", kind = "rail_station", location = "荔波站" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        var mine = await _platform.GetJsonAsync("/api/screening/v1/checkpoints", "officer.522722");
        Assert.Contains(mine["items"]!.AsArray(), c => c!["id"]!.GetValue<string>() == id);
        var theirs = await _platform.GetJsonAsync("/api/screening/v1/checkpoints", "officer.522701");
        Assert.DoesNotContain(theirs["items"]!.AsArray(), c => c!["id"]!.GetValue<string>() == id);

        var post = new { checkpointId = Guid.Parse(id), method = "dog", result = "clear", subject = new { plate = "贵J88888" } };
        using (var ok = await _platform.PostAsync("/api/screening/v1/inspections", "officer.522722", post))
            Assert.Equal(HttpStatusCode.Created, ok.StatusCode);

        using var closed = await _platform.SendAsync(HttpMethod.Patch, $"/api/screening/v1/checkpoints/{id}", "admin", new { active = false });
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        using var refused = await _platform.PostAsync("/api/screening/v1/inspections", "officer.522722", post);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("is not active", await refused.Content.ReadAsStringAsync());

        using var notAdmin = await _platform.SendAsync(HttpMethod.Patch, $"/api/screening/v1/checkpoints/{id}", "supervisor.522722", new { active = true });
        Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
    }

    [Fact]
    public async Task Refuse_an_agency_that_is_not_an_official_division()
    {
        using var response = await _platform.PostAsync("/api/screening/v1/checkpoints", "admin", new { agency = "529999", name = "x", kind = "road" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!["agency"]);
    }
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Leads.Grpc;
using JinDu.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>Issue 4: 举报 — anonymous tips with a receipt code; the county named decides on a reward.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class Tips_from_the_public(StandaloneFactory factory)
{
    private const string Tips = "/api/leads/v1/tips";
    private readonly PlatformClient _platform = factory.Platform();

    private async Task<(string Receipt, string Phone)> SubmitAsync(string county = "522726", string? contact = null, HttpRequestMessage? request = null)
    {
        var phone = LeadSteps.Phone();
        var body = new
        {
            text = "我家楼下出租屋每晚有人进出，疑似贩卖冰毒",
            county,
            address = "独山县百泉镇某巷12号",
            subjects = new[] { new { kind = "phone", value = phone }, new { kind = "vehicle", value = "贵J·A1234" } },
            contact,
        };
        request ??= new HttpRequestMessage(HttpMethod.Post, Tips);
        request.Content = JsonContent(body);
        using var response = await _platform.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        var answer = JsonNode.Parse(text)!;
        Assert.Equal("received", answer["status"]!.GetValue<string>());
        Assert.DoesNotContain(phone, text);
        return (answer["receiptCode"]!.GetValue<string>(), phone);
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body, PlatformClient.Json), Encoding.UTF8, "application/json");

    private async Task<JsonNode> StatusAsync(string receipt)
    {
        using var response = await _platform.Http.GetAsync($"{Tips}/{receipt}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<JsonNode> LeadOfAsync(string phone, string analyst = "analyst.522726") =>
        (await _platform.GetJsonAsync($"{LeadSteps.Leads}?source=tip&phone={phone}", analyst))["items"]!.AsArray().Single()!;

    private async Task<bool> WatchedAsync(string phone)
    {
        var token = factory.Services.GetRequiredService<PersonalDataProtector>().Token(SubjectKind.Phone, phone);
        await using var scope = factory.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<WatchlistQuery>().MatchAsync([token], CancellationToken.None)).Count > 0;
    }

    [Fact]
    public async Task Anyone_submits_a_tip_without_signing_in_and_follows_it_with_the_receipt_code_alone()
    {
        var (receipt, _) = await SubmitAsync();
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}-[0-9A-HJKMNP-TV-Z]$", receipt);

        var status = await StatusAsync(receipt);
        Assert.Equal("received", status["status"]!.GetValue<string>());
        Assert.Equal("undecided", status["reward"]!.GetValue<string>());
        Assert.Equal(["reward", "status"], status.AsObject().Select(p => p.Key).Order().ToList());
        // Read aloud or typed sloppily: case and dashes do not matter.
        Assert.Equal("received", (await StatusAsync(receipt.Replace("-", "").ToLowerInvariant()))["status"]!.GetValue<string>());

        var other = (await SubmitAsync()).Receipt;
        var nearMiss = other[..^2] + (other[^2] == '0' ? '1' : '0') + other[^1];
        using var guessed = await _platform.Http.GetAsync($"{Tips}/{nearMiss}");
        Assert.Equal(HttpStatusCode.NotFound, guessed.StatusCode);
        using var nonsense = await _platform.Http.GetAsync($"{Tips}/hello");
        Assert.Equal(HttpStatusCode.NotFound, nonsense.StatusCode);
        Assert.NotEqual((await SubmitAsync()).Receipt, (await SubmitAsync()).Receipt);
    }

    [Fact]
    public async Task Becomes_a_lead_of_the_county_named_watched_only_once_an_analyst_has_triaged_it()
    {
        var (receipt, phone) = await SubmitAsync("522726");
        var lead = await LeadOfAsync(phone);
        Assert.Equal("522726", lead["ownerAgency"]!.GetValue<string>());
        Assert.Equal("new", lead.Status());
        var masked = lead["subjects"]!.AsArray().Select(s => s!["masked"]!.GetValue<string>()).ToList();
        Assert.Contains(phone[..3] + "****" + phone[^4..], masked);
        Assert.Contains("独山县百泉镇****", masked);
        Assert.DoesNotContain(phone, lead.ToJsonString());
        Assert.Empty((await _platform.GetJsonAsync($"{LeadSteps.Leads}?source=tip&phone={phone}", "analyst.522722"))["items"]!.AsArray());

        await Task.Delay(300);
        Assert.False(await WatchedAsync(phone), "an untriaged anonymous tip puts nobody on the watchlist");
        await _platform.MovedAsync("analyst.522726", lead, new { status = "triaged" });
        await PlatformClient.EventuallyAsync(async () => await WatchedAsync(phone) ? "on" : null, what: "the tip's phone on the watchlist");
        Assert.Equal("being_checked", (await StatusAsync(receipt))["status"]!.GetValue<string>());

        // The tipster learns that it ended, not how: no case number, no reason.
        await _platform.MovedAsync("analyst.522726", lead, new { status = "closed", reason = "unfounded" });
        var status = await StatusAsync(receipt);
        Assert.Equal("closed", status["status"]!.GetValue<string>());
        Assert.DoesNotContain("unfounded", status.ToJsonString());
    }

    [Fact]
    public async Task A_supervisor_of_the_county_named_decides_on_the_reward_and_the_tipster_sees_it()
    {
        var (receipt, phone) = await SubmitAsync("522726", contact: "13800138000");
        var lead = await LeadOfAsync(phone);
        var tips = await _platform.GetJsonAsync("/api/leads/v1/received-tips", "supervisor.522726");
        var tip = tips.AsArray().Single(t => t!["leadId"]!.GetValue<string>() == lead["id"]!.GetValue<string>())!;
        Assert.Equal("138****8000", tip["contactMasked"]!.GetValue<string>());
        Assert.DoesNotContain("13800138000", tips.ToJsonString());
        var reward = $"/api/leads/v1/received-tips/{tip["id"]}/reward";

        using (var otherCounty = await _platform.PostAsync(reward, "supervisor.522722", new { granted = true }))
            await LeadSteps.ExpectProblemAsync(otherCounty, HttpStatusCode.NotFound);
        using (var analyst = await _platform.PostAsync(reward, "analyst.522726", new { granted = true }))
            Assert.Equal(HttpStatusCode.Forbidden, analyst.StatusCode);
        using (var undecided = await _platform.PostAsync(reward, "supervisor.522726", new { note = "?" }))
            await LeadSteps.ExpectProblemAsync(undecided, HttpStatusCode.BadRequest, "granted");
        Assert.Equal("undecided", (await StatusAsync(receipt))["reward"]!.GetValue<string>());

        using (var granted = await _platform.PostAsync(reward, "supervisor.522726", new { granted = true, note = "线索查证属实" }))
            Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        Assert.Equal("granted", (await StatusAsync(receipt))["reward"]!.GetValue<string>());
        using (var again = await _platform.PostAsync(reward, "supervisor.522726", new { granted = false }))
            await LeadSteps.ExpectProblemAsync(again, HttpStatusCode.Conflict);
        Assert.Contains("reward_granted", (await _platform.GetLeadAsync("analyst.522726", lead)).Actions());
        // To pay it, the supervisor may see the contact the tipster left; an analyst may not; both are audited.
        using (var analystReveal = await _platform.GetAsync($"/api/leads/v1/received-tips/{tip["id"]}?reveal=true", "analyst.522726"))
            Assert.Equal(HttpStatusCode.Forbidden, analystReveal.StatusCode);
        var revealed = await _platform.GetJsonAsync($"/api/leads/v1/received-tips/{tip["id"]}?reveal=true", "supervisor.522726");
        Assert.Equal("13800138000", revealed["contact"]!.GetValue<string>());
        Assert.Null((await _platform.GetJsonAsync($"/api/leads/v1/received-tips/{tip["id"]}", "supervisor.522726"))["contact"]);
        using (var otherReveal = await _platform.GetAsync($"/api/leads/v1/received-tips/{tip["id"]}?reveal=true", "supervisor.522722"))
            Assert.Equal(HttpStatusCode.NotFound, otherReveal.StatusCode);

        var trail = (await _platform.GetJsonAsync("/api/leads/v1/audit?limit=200", "auditor"))["items"]!.AsArray();
        Assert.Contains(trail, e => e!["action"]!.GetValue<string>() == "decide_reward" && e["detail"]!.GetValue<string>() == "granted"
                                    && e["actor"]!.GetValue<string>() == "supervisor.522726");
        Assert.Contains(trail, e => e!["action"]!.GetValue<string>() == "read_personal_data" && e["target"]!.GetValue<string>() == $"tip/{tip["id"]}"
                                    && e["outcome"]!.GetValue<string>() == "denied");
        Assert.DoesNotContain("13800138000", trail.ToJsonString());
    }

    [Fact]
    public async Task Keeps_nothing_about_the_tipster_beyond_what_they_typed()
    {
        var marker = "TipsterPhone" + Guid.NewGuid().ToString("N")[..8];
        var request = new HttpRequestMessage(HttpMethod.Post, Tips);
        request.Headers.UserAgent.ParseAdd(marker + "/1.0");
        request.Headers.Add("X-Forwarded-For", "203.0.113.77");
        request.Headers.Add("X-Device-Id", marker);
        await SubmitAsync("522726", request: request);

        var trail = await _platform.GetJsonAsync("/api/leads/v1/audit?limit=20&actor=public", "auditor");
        var entry = trail["items"]!.AsArray().First(e => e!["action"]!.GetValue<string>() == "submit_tip")!;
        Assert.Null(entry["from"]);
        Assert.DoesNotContain("203.0.113.77", trail.ToJsonString());

        // Not in any table of any database file of the platform — which do hold what the tipster typed.
        var typedFound = false;
        foreach (var file in Directory.EnumerateFiles(factory.DataDirectory, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            try
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var memory = new MemoryStream();
                await stream.CopyToAsync(memory);
                bytes = memory.ToArray();
            }
            catch (IOException) { continue; }
            var text = Encoding.UTF8.GetString(bytes);
            Assert.DoesNotContain(marker, text);
            Assert.DoesNotContain("203.0.113.77", text);
            typedFound |= text.Contains("我家楼下出租屋");
        }
        Assert.True(typedFound, "the scan reads the database files");
    }

    [Theory]
    [InlineData("""{"county":"522726"}""", "text")]
    [InlineData("""{"text":"有人贩毒"}""", "county")]
    [InlineData("""{"text":"有人贩毒","county":"522700"}""", "county")]
    [InlineData("""{"text":"有人贩毒","county":"999999"}""", "county")]
    [InlineData("""{"text":"有人贩毒","county":"522726","subjects":[{"kind":"phone","value":"13912"}]}""", "subjects[0].value")]
    [InlineData("""{"text":"有人贩毒","county":"522726","subjects":[{"kind":"person","value":"522726199003071235"}]}""", "subjects[0].value")]
    public async Task A_bad_tip_is_refused_naming_the_field_without_repeating_what_was_typed(string body, string field)
    {
        using var response = await _platform.Http.PostAsync(Tips, new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await LeadSteps.ExpectProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.DoesNotContain("522726199003071235", problem.ToJsonString());
        Assert.DoesNotContain("13912", problem.ToJsonString());
    }

    [Fact]
    public async Task A_tip_longer_than_the_limit_is_refused()
    {
        using var response = await _platform.Http.PostAsync(Tips, JsonContent(new { text = new string('毒', 4001), county = "522726" }));
        await LeadSteps.ExpectProblemAsync(response, HttpStatusCode.BadRequest, "text");
    }

    [Fact]
    public async Task Staff_endpoints_still_need_a_token()
    {
        using var list = await _platform.Http.GetAsync("/api/leads/v1/received-tips");
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        using var leads = await _platform.Http.GetAsync(LeadSteps.Leads);
        Assert.Equal(HttpStatusCode.Unauthorized, leads.StatusCode);
    }
}

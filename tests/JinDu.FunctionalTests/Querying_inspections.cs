using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>
/// Issue 3: officers and supervisors query inspections by checkpoint, time, result, substance and identifier
/// (through its token), page through them, and read their agency's figures. Each test posts its records into
/// its own past hour (20 days back), so the other tests' records, posted now, never fall into its window.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class Querying_inspections(StandaloneFactory factory)
{
    private const string Inspections = "/api/screening/v1/inspections";
    private const string Figures = "/api/screening/v1/figures";
    private static readonly DateTimeOffset WindowBase = Truncate(DateTimeOffset.UtcNow.AddDays(-20));
    private static int _windows;
    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly PlatformClient _platform = factory.Platform();

    private static DateTimeOffset Truncate(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero);

    /// <summary>An hour of the past that no other test (nor any other call of this) posts into.</summary>
    private static DateTimeOffset NewWindow() => WindowBase.AddHours(-2 * Interlocked.Increment(ref _windows));

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    private static string Window(DateTimeOffset from, DateTimeOffset to) => $"from={Iso(from)}&to={Iso(to)}";

    private static string UniquePlate() => "贵A" + Random.Shared.Next(0, 100_000).ToString("00000", CultureInfo.InvariantCulture);

    private static string UniquePhone() => "139" + Random.Shared.Next(0, 100_000_000).ToString("00000000", CultureInfo.InvariantCulture);

    private static string UniqueWaybill() => "JDT" + Random.Shared.NextInt64(0, 1_000_000_000_000).ToString("000000000000", CultureInfo.InvariantCulture);

    /// <summary>A person nobody else in the run uses: a birth date of its own as well as a sequence number.</summary>
    private static string UniquePerson(string region = "522726") =>
        TestIds.Person(region, birth: $"19{Random.Shared.Next(50, 99)}{Random.Shared.Next(1, 13):00}{Random.Shared.Next(1, 29):00}");

    private async Task<string> PostAsync(DateTimeOffset at, string result = "clear", object? subject = null,
        object[]? seizures = null, Guid? checkpoint = null, string officer = "officer.522722")
    {
        using var response = await _platform.PostAsync(Inspections, officer, new
        {
            checkpointId = checkpoint ?? PlatformClient.LiboCheckpoint,
            inspectedAt = at,
            method = "manual_search",
            result,
            subject = subject ?? new { plate = UniquePlate() },
            seizures = seizures ?? [],
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }

    private static object Line(string substance, decimal grams) => new { substance, grams };

    private async Task<List<string>> IdsAsync(string query, string user = "officer.522722")
    {
        var page = await _platform.GetJsonAsync($"{Inspections}?{query}&limit=500", user);
        Assert.Null(page["nextCursor"]);
        return page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToList();
    }

    private async Task<Guid> RegisterCheckpointAsync(string agency)
    {
        using var response = await _platform.PostAsync("/api/screening/v1/checkpoints", "admin", new
        {
            agency, name = "查询测试检查站 " + Guid.NewGuid().ToString("N")[..6], kind = "road", location = "测试",
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return Guid.Parse(JsonNode.Parse(text)!["id"]!.GetValue<string>());
    }

    private async Task<JsonNode> ExpectValidationProblemAsync(string path, string user, params string[] fields)
    {
        using var response = await _platform.GetAsync(path, user);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal("urn:jindu:problem:validation", problem["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(problem["traceId"]?.GetValue<string>()));
        foreach (var field in fields)
            Assert.True(problem["errors"]?[field] is not null, $"errors should name {field}: {text}");
        return problem;
    }

    [Fact]
    public async Task Each_filter_narrows_to_the_matching_records()
    {
        var w = NewWindow();
        var road = await RegisterCheckpointAsync("522722");
        var before = await PostAsync(w.AddMinutes(-1));
        var clear = await PostAsync(w);
        var suspicious = await PostAsync(w.AddMinutes(2), "suspicious", new { phone = UniquePhone() });
        var heroin = await PostAsync(w.AddMinutes(3), "seizure", new { idNumber = UniquePerson() }, [Line("heroin", 3.5m)]);
        var mixed = await PostAsync(w.AddMinutes(4), "seizure", new { plate = UniquePlate() }, [Line("methamphetamine", 10m), Line("ketamine", 2m)]);
        var positive = await PostAsync(w.AddMinutes(5), "positive_test", checkpoint: road);
        var atTheEnd = await PostAsync(w.AddHours(1));

        var window = Window(w, w.AddHours(1));
        Assert.Equal([positive, mixed, heroin, suspicious, clear], await IdsAsync(window));
        Assert.Equal([atTheEnd, positive, mixed, heroin, suspicious, clear, before], await IdsAsync(Window(w.AddMinutes(-1), w.AddHours(1).AddSeconds(1))));

        // from is inclusive, to exclusive; an offset is understood (w+3 min in Beijing time is w+3 min).
        Assert.Equal([positive, mixed, heroin], await IdsAsync(Window(w.AddMinutes(3), w.AddHours(1))));
        Assert.Equal([suspicious, clear], await IdsAsync(Window(w, w.AddMinutes(3))));
        var beijing = Uri.EscapeDataString(w.AddMinutes(3).ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
        Assert.Equal([suspicious, clear], await IdsAsync($"from={Iso(w)}&to={beijing}"));

        Assert.Equal([mixed, heroin], await IdsAsync(window + "&result=seizure"));
        Assert.Equal([suspicious], await IdsAsync(window + "&result=SUSPICIOUS"));
        Assert.Equal([positive], await IdsAsync(window + "&result=positive_test"));
        Assert.Equal([heroin], await IdsAsync(window + "&substance=heroin"));
        Assert.Equal([mixed], await IdsAsync(window + "&substance=ketamine"));
        Assert.Empty(await IdsAsync(window + "&substance=cocaine"));
        Assert.Equal([positive], await IdsAsync(window + $"&checkpointId={road}"));
        Assert.Equal([mixed, heroin, suspicious, clear], await IdsAsync(window + $"&checkpointId={PlatformClient.LiboCheckpoint}"));
        // Filters narrow together.
        Assert.Equal([mixed], await IdsAsync(window + "&result=seizure&substance=methamphetamine"));
        Assert.Empty(await IdsAsync(window + $"&result=seizure&checkpointId={road}"));
        // Supervisors and analysts read the same list.
        Assert.Equal([mixed, heroin], await IdsAsync(window + "&result=seizure", "supervisor.522722"));
        Assert.Equal([mixed, heroin], await IdsAsync(window + "&result=seizure", "analyst.522722"));
    }

    [Fact]
    public async Task Finds_a_record_by_each_identifier_and_never_answers_with_the_plaintext()
    {
        var w = NewWindow();
        var (id, plate, phone, waybill) = (UniquePerson(), UniquePlate(), UniquePhone(), UniqueWaybill());
        var posted = await PostAsync(w.AddMinutes(10), "suspicious", new { idNumber = id, name = "查询人", plate, phone, waybill });
        var other = await PostAsync(w.AddMinutes(11), "suspicious", new { idNumber = UniquePerson(), plate = UniquePlate() });

        // Written the way people type them: a lower-case x, a dot in the plate, +86 and spaces in the phone.
        var searches = new[]
        {
            $"idNumber={Uri.EscapeDataString(id.ToLowerInvariant())}",
            $"plate={Uri.EscapeDataString(plate[..2] + "·" + plate[2..])}",
            $"phone={Uri.EscapeDataString("+86 " + phone[..3] + " " + phone[3..7] + " " + phone[7..])}",
            $"waybill={Uri.EscapeDataString(waybill.ToLowerInvariant())}",
            $"idNumber={id}&phone={phone}",
        };
        foreach (var search in searches)
        {
            using var response = await _platform.GetAsync($"{Inspections}?{search}", "supervisor.522722");
            var raw = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{search}: {(int)response.StatusCode} {raw}");
            var page = JsonNode.Parse(raw)!;
            var item = Assert.Single(page["items"]!.AsArray());
            Assert.Equal(posted, item!["id"]!.GetValue<string>());
            var text = page.ToJsonString(Readable);
            foreach (var secret in new[] { id, plate, plate[1..], phone, waybill, "查询人" })
            {
                Assert.DoesNotContain(secret, text);
                Assert.DoesNotContain(secret, raw);
            }
            var masked = item["subjects"]!.AsArray().Select(s => s!["masked"]!.GetValue<string>()).ToList();
            Assert.Contains(id[..4] + "**********" + id[^4..], masked);
            Assert.Contains(phone[..3] + "****" + phone[^4..], masked);
        }

        // Identifiers narrow together: a person with another record's plate is nobody.
        Assert.Empty(await IdsAsync($"idNumber={id}&plate={Uri.EscapeDataString(UniquePlate())}"));
        Assert.Equal([other, posted], await IdsAsync($"{Window(w, w.AddHours(1))}&result=suspicious"));
        // A valid number nobody was inspected with finds nothing.
        Assert.Empty(await IdsAsync($"idNumber={UniquePerson("522701")}"));
    }

    [Theory]
    [InlineData("checkpointId=not-a-uuid", "checkpointId")]
    [InlineData("checkpointId=52272600-0000-4000-8000-000000000001", "checkpointId")] // 独山's checkpoint: not ours
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-01", "to")]
    [InlineData("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "to")]
    [InlineData("result=seized", "result")]
    [InlineData("substance=sugar", "substance")]
    [InlineData("idNumber=123456", "idNumber")]
    [InlineData("plate=XX12345", "plate")]
    [InlineData("phone=12345", "phone")]
    [InlineData("waybill=abc", "waybill")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=%21%21%21", "cursor")]
    [InlineData("cursor=bm90LWEtbnVtYmVy", "cursor")] // base64url of "not-a-number"
    [InlineData("id_number=522726199003070011", "id_number")] // a misspelt filter is not silently ignored
    public Task A_bad_filter_is_named(string query, string field) =>
        ExpectValidationProblemAsync($"{Inspections}?{query}", "officer.522722", field);

    [Fact]
    public async Task Every_bad_filter_is_named_at_once_without_echoing_an_identifier()
    {
        var wrong = TestIds.WithWrongCheckDigit(UniquePerson());
        var problem = await ExpectValidationProblemAsync(
            $"{Inspections}?idNumber={wrong}&phone=2345&result=x&substance=y&from=z&limit=-1",
            "officer.522722", "idNumber", "phone", "result", "substance", "from", "limit");
        Assert.DoesNotContain(wrong, problem.ToJsonString(Readable));
    }

    [Fact]
    public async Task Paging_walks_every_page_once_in_order()
    {
        var w = NewWindow();
        var posted = new List<string>();
        for (var i = 0; i < 7; i++)
            posted.Add(await PostAsync(w.AddMinutes(i), i % 2 == 0 ? "suspicious" : "clear"));
        posted.Reverse(); // newest first

        foreach (var (filter, expected) in new[] { ("", posted), ("&result=suspicious", posted.Where((_, i) => i % 2 == 0).ToList()) })
        {
            var seen = new List<string>();
            string? cursor = null;
            var pages = 0;
            do
            {
                var page = await _platform.GetJsonAsync(
                    $"{Inspections}?{Window(w, w.AddHours(1))}{filter}&limit=3" + (cursor is null ? "" : $"&cursor={cursor}"), "officer.522722");
                var items = page["items"]!.AsArray();
                Assert.InRange(items.Count, 1, 3);
                seen.AddRange(items.Select(x => x!["id"]!.GetValue<string>()));
                cursor = page["nextCursor"]?.GetValue<string>();
                Assert.True(++pages <= 3, "more pages than records");
            } while (cursor is not null);
            Assert.Equal(expected, seen);
            Assert.Equal((expected.Count + 2) / 3, pages);
        }
    }

    [Fact]
    public async Task Another_agencys_records_never_appear()
    {
        var w = NewWindow();
        var person = UniquePerson("522722");
        var plate = UniquePlate();
        var dushan = await PostAsync(w.AddMinutes(20), "seizure", new { idNumber = person, plate }, [Line("opium", 7m)],
            PlatformClient.DushanCheckpoint, "officer.522726");
        var window = Window(w, w.AddHours(1));

        foreach (var user in new[] { "officer.522722", "supervisor.522722", "analyst.522701", "supervisor.522700" })
        {
            Assert.Empty(await IdsAsync(window, user));
            Assert.Empty(await IdsAsync($"idNumber={person}", user));
            Assert.Empty(await IdsAsync($"plate={Uri.EscapeDataString(plate)}", user));
            var figures = await _platform.GetJsonAsync($"{Figures}?{window}", user);
            Assert.Equal(0, figures["inspections"]!.GetValue<int>());
            Assert.Empty(figures["seizures"]!.AsArray());
        }
        // Its own agency sees it; and the record itself is a 404 elsewhere.
        Assert.Equal([dushan], await IdsAsync($"idNumber={person}", "supervisor.522726"));
        using var foreign = await _platform.GetAsync($"{Inspections}/{dushan}", "supervisor.522722");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task Figures_count_what_was_posted_in_the_period()
    {
        var w = NewWindow();
        var road = await RegisterCheckpointAsync("522722");
        await PostAsync(w.AddMinutes(1));
        await PostAsync(w.AddMinutes(2), checkpoint: road);
        await PostAsync(w.AddMinutes(3), "suspicious");
        await PostAsync(w.AddMinutes(4), "positive_test", checkpoint: road);
        await PostAsync(w.AddMinutes(5), "seizure", new { idNumber = UniquePerson() }, [Line("heroin", 3.5m)]);
        await PostAsync(w.AddMinutes(6), "seizure", new { idNumber = UniquePerson() }, [Line("methamphetamine", 10.25m), Line("heroin", 1.125m)]);
        await PostAsync(w.AddMinutes(61), "seizure", new { idNumber = UniquePerson() }, [Line("cocaine", 1m)]); // after the period

        var figures = await _platform.GetJsonAsync($"{Figures}?{Window(w, w.AddHours(1))}", "supervisor.522722");
        Assert.Equal("522722", figures["agency"]!.GetValue<string>());
        Assert.Equal(w, figures["from"]!.GetValue<DateTimeOffset>());
        Assert.Equal(w.AddHours(1), figures["to"]!.GetValue<DateTimeOffset>());
        Assert.Equal(6, figures["inspections"]!.GetValue<int>());
        Assert.Equal(4, figures["flagged"]!.GetValue<int>());
        var byResult = figures["byResult"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["clear"] = 2, ["suspicious"] = 1, ["positive_test"] = 1, ["seizure"] = 2 }, byResult);

        var seizures = figures["seizures"]!.AsArray()
            .ToDictionary(s => s!["substance"]!.GetValue<string>(), s => (s!["grams"]!.GetValue<decimal>(), s["count"]!.GetValue<int>()));
        Assert.Equal(new Dictionary<string, (decimal, int)> { ["heroin"] = (4.625m, 2), ["methamphetamine"] = (10.25m, 1) }, seizures);

        var checkpoints = figures["checkpoints"]!.AsArray().ToDictionary(c => c!["checkpointId"]!.GetValue<Guid>());
        Assert.Equal((4, 3, 2), Counts(checkpoints[PlatformClient.LiboCheckpoint]!));
        Assert.Equal((2, 1, 0), Counts(checkpoints[road]!));
        Assert.DoesNotContain(checkpoints.Keys, k => k == PlatformClient.DushanCheckpoint);
        Assert.Equal("荔波高速公路检查站", checkpoints[PlatformClient.LiboCheckpoint]!["name"]!.GetValue<string>());

        // The same figures for the analyst and the agency's officers; not for roles that do not watch inspections.
        foreach (var user in new[] { "analyst.522722", "officer.522722" })
            Assert.Equal(6, (await _platform.GetJsonAsync($"{Figures}?{Window(w, w.AddHours(1))}", user))["inspections"]!.GetValue<int>());
        foreach (var user in new[] { "liaison.522722", "auditor", "admin" })
        {
            using var refused = await _platform.GetAsync($"{Figures}?{Window(w, w.AddHours(1))}", user);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using var anonymous = await _platform.GetAsync(Figures, user: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        static (int, int, int) Counts(JsonNode c) =>
            (c["inspections"]!.GetValue<int>(), c["flagged"]!.GetValue<int>(), c["seizures"]!.GetValue<int>());
    }

    [Fact]
    public async Task Figures_cover_the_last_seven_days_unless_told_otherwise()
    {
        var before = DateTimeOffset.UtcNow;
        var figures = await _platform.GetJsonAsync(Figures, "supervisor.522722");
        var to = figures["to"]!.GetValue<DateTimeOffset>();
        Assert.InRange(to, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(TimeSpan.FromDays(7), to - figures["from"]!.GetValue<DateTimeOffset>());
        // Every result is there, with zeros where nothing happened; enumerations are lower-case.
        Assert.Equal(["clear", "suspicious", "positive_test", "seizure"], figures["byResult"]!.AsObject().Select(p => p.Key));

        var w = NewWindow();
        var fromOnly = await _platform.GetJsonAsync($"{Figures}?from={Iso(w)}", "supervisor.522722");
        Assert.Equal(w.AddDays(7), fromOnly["to"]!.GetValue<DateTimeOffset>());
    }

    [Theory]
    [InlineData("from=last-week", "from")]
    [InlineData("to=2026-02-30", "to")]
    [InlineData("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "to")]
    [InlineData("from=2025-01-01T00:00:00Z&to=2026-02-01T00:00:00Z", "to")] // more than 366 days
    [InlineData("from=2999-01-01", "from")] // nothing to count yet
    [InlineData("agency=522726", "agency")] // not a parameter: always the caller's agency
    public Task Figures_name_a_bad_period(string query, string field) =>
        ExpectValidationProblemAsync($"{Figures}?{query}", "supervisor.522722", field);

    [Fact]
    public async Task Listing_needs_a_role_that_reads_inspections()
    {
        using var liaison = await _platform.GetAsync($"{Inspections}?result=seizure", "liaison.522722");
        Assert.Equal(HttpStatusCode.Forbidden, liaison.StatusCode);
        using var anonymous = await _platform.GetAsync($"{Inspections}?idNumber={UniquePerson()}", user: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}

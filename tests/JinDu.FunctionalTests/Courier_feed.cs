using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using JinDu.Screening.Contracts.Events;
using JinDu.Screening.Grpc.V1;
using JinDu.Screening.Infrastructure;
using JinDu.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>A courier's "three 100%" feed over gRPC and HTTP, its receipts, and what the platform makes of it.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class Courier_feed(StandaloneFactory factory)
{
    private readonly PlatformClient _platform = factory.Platform();
    // Every test uses its own outlet so the shared platform's other data does not disturb its figures.
    // An outlet of this test's own (xunit makes an instance a test): the tests share one platform and one day, and a
    // random three-digit number let two of the nine count each other's parcels in about one run in 25.
    private readonly string _outlet = $"SF-522701-{Guid.NewGuid().ToString("N")[..12].ToUpperInvariant()}";
    // One acceptance time for the class, and the day (China time) it falls on: the day the roll-ups file the parcels
    // under. Each computed from the clock on its own, they fell on two days for a few minutes after midnight in China.
    private static readonly DateTimeOffset Accepted = DateTimeOffset.UtcNow.AddMinutes(-5);
    private static readonly string Today = Accepted.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd");

    private static string Phone() => "139" + Random.Shared.Next(10_000_000, 99_999_999);

    private static string SfWaybill() => "SF" + Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999);

    private ParcelRecord Parcel(string? waybill = null, bool compliant = true, string xray = "clear", string senderRegion = "522726") => new()
    {
        Waybill = waybill ?? SfWaybill(),
        Company = "SF",
        OutletCode = _outlet,
        AcceptedAt = Timestamp.FromDateTimeOffset(Accepted),
        // Fresh phones each time: a flagged parcel puts its phones on the watchlist, which would hold the next one.
        Sender = new Sender { Name = "王五", IdNumber = TestIds.Person(senderRegion), Phone = Phone() },
        RecipientPhone = Phone(),
        RecipientRegion = "110105",
        OriginRegion = "522701",
        DestinationRegion = "110105",
        DeclaredContents = "茶叶",
        WeightGrams = 1200,
        RealNameVerified = true,
        OpenedAndInspected = compliant,
        Inspector = compliant ? "李四" : "",
        XRayed = true,
        XrayMachine = "XR-01",
        XrayResult = xray,
    };

    private async Task<List<ParcelReceipt>> SubmitAsync(string client, params ParcelRecord[] records)
    {
        var token = client == "courier-zto" ? await _platform.ClientTokenAsync("courier-zto", "zto-demo-secret") : await _platform.ClientTokenAsync("courier-sf", "sf-demo-secret");
        using var channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });
        var client_ = new CourierFeed.CourierFeedClient(channel);
        using var call = client_.SubmitParcels(new Metadata { { "authorization", "Bearer " + token } });
        var receipts = new List<ParcelReceipt>();
        var reading = Task.Run(async () =>
        {
            await foreach (var r in call.ResponseStream.ReadAllAsync()) receipts.Add(r);
        });
        foreach (var record in records) await call.RequestStream.WriteAsync(record);
        await call.RequestStream.CompleteAsync();
        await reading;
        return receipts;
    }

    private async Task<JsonNode?> OutletDayAsync(string user)
    {
        var page = await _platform.GetJsonAsync($"/api/screening/v1/compliance/outlets?day={Today}&company=SF&limit=500", user);
        return page["items"]!.AsArray().FirstOrDefault(o => o!["outletCode"]!.GetValue<string>() == _outlet);
    }

    [Fact]
    public async Task Answers_a_receipt_for_every_record_in_order_naming_what_is_wrong()
    {
        var good = Parcel();
        var badId = Parcel(); badId.Sender.IdNumber = TestIds.WithWrongCheckDigit(badId.Sender.IdNumber);
        var otherCompany = Parcel(); otherCompany.Company = "ZTO";
        var noXrayResult = Parcel(); noXrayResult.XrayResult = "";
        var badWaybill = Parcel(waybill: "SF12");
        var receipts = await SubmitAsync("courier-sf", good, badId, otherCompany, noXrayResult, badWaybill);

        Assert.Equal([1L, 2, 3, 4, 5], receipts.Select(r => r.Position));
        Assert.Equal(ParcelReceipt.Types.Status.Accepted, receipts[0].Status);
        Assert.Equal(good.Waybill, receipts[0].Waybill);
        Assert.Equal(("invalid_field", "sender.idNumber"), (receipts[1].ErrorCode, receipts[1].Field));
        Assert.Equal(("wrong_company", "company"), (receipts[2].ErrorCode, receipts[2].Field));
        Assert.Equal("xRayResult", receipts[3].Field);
        Assert.Equal(("invalid_field", "waybill"), (receipts[4].ErrorCode, receipts[4].Field));
        Assert.All(receipts.Skip(1), r => Assert.Equal(ParcelReceipt.Types.Status.Rejected, r.Status));
        Assert.All(receipts.Skip(1), r => Assert.False(string.IsNullOrEmpty(r.Message)));

        // Only the accepted one counts.
        var day = await OutletDayAsync("supervisor.522701");
        Assert.Equal(1, day!["parcels"]!.GetValue<int>());
    }

    [Fact]
    public async Task Counts_a_resubmitted_waybill_once_with_its_latest_version()
    {
        var waybill = SfWaybill();
        await SubmitAsync("courier-sf", Parcel(waybill, compliant: false));
        var before = await OutletDayAsync("supervisor.522701");
        Assert.Equal((1, 0, false), (before!["parcels"]!.GetValue<int>(), before["allThree"]!.GetValue<int>(), before["compliant"]!.GetValue<bool>()));

        // The courier corrects the record: the latest version wins, still one parcel.
        var receipts = await SubmitAsync("courier-sf", Parcel(waybill, compliant: true), Parcel(waybill, compliant: true));
        Assert.All(receipts, r => Assert.Equal(ParcelReceipt.Types.Status.Accepted, r.Status));
        var after = await OutletDayAsync("supervisor.522701");
        Assert.Equal(1, after!["parcels"]!.GetValue<int>());
        Assert.Equal(1, after["allThree"]!.GetValue<int>());
        Assert.Equal(1.0, after["allThreeRate"]!.GetValue<double>());
        // It was breached once, and that stays on record.
        Assert.NotNull(after["breachedAt"]);
    }

    [Fact]
    public async Task Raises_one_breach_per_outlet_day_however_many_parcels_fail()
    {
        await SubmitAsync("courier-sf", Parcel(compliant: false), Parcel(compliant: false), Parcel());
        await SubmitAsync("courier-sf", Parcel(compliant: false));
        var day = await OutletDayAsync("supervisor.522701");
        Assert.Equal((4, 1, 1, 4), (day!["parcels"]!.GetValue<int>(), day["allThree"]!.GetValue<int>(), day["openedAndInspected"]!.GetValue<int>(), day["realNameVerified"]!.GetValue<int>()));

        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ScreeningDbContext>();
        var type = typeof(CourierComplianceBreached).FullName!;
        var breaches = await db.OutboxMessages.Where(m => m.Type.StartsWith(type) && m.Body.Contains(_outlet)).ToListAsync();
        Assert.Single(breaches);
    }

    [Fact]
    public async Task Refers_a_suspicious_parcel_back_to_the_courier_to_inspect()
    {
        var suspicious = Parcel(xray: "suspicious");
        await SubmitAsync("courier-sf", suspicious, Parcel());
        var page = await _platform.GetJsonAsync("/api/screening/v1/courier/referrals?limit=500", "courier-sf");
        var referral = page["items"]!.AsArray().Single(r => r!["waybill"]!.GetValue<string>() == suspicious.Waybill);
        Assert.Equal("inspect", referral!["action"]!.GetValue<string>());
        Assert.Equal("522701", referral["issuingAgency"]!.GetValue<string>());

        // Sending the same waybill again does not refer it twice.
        await SubmitAsync("courier-sf", suspicious);
        page = await _platform.GetJsonAsync("/api/screening/v1/courier/referrals?limit=500", "courier-sf");
        Assert.Single(page["items"]!.AsArray(), r => r!["waybill"]!.GetValue<string>() == suspicious.Waybill);

        // The flag becomes a lead of the outlet's county, with the parcel as a subject, masked.
        var lead = await PlatformClient.EventuallyAsync(async () =>
            (await _platform.GetJsonAsync("/api/leads/v1/leads?limit=500", "analyst.522701"))["items"]!.AsArray()
                .FirstOrDefault(l => l!["summary"]!.GetValue<string>().Contains(suspicious.Waybill[..2]) && l["summary"]!.GetValue<string>().Contains(suspicious.Waybill[^4..])
                                     && l["source"]!.GetValue<string>() == "courier"),
            what: "the lead from the suspicious parcel");
        Assert.Contains(lead!["subjects"]!.AsArray(), x => x!["kind"]!.GetValue<string>() == "parcel");
        Assert.DoesNotContain(suspicious.Waybill, lead.ToJsonString());

        // The sender's household county (the ID number says 独山 522726 here) is told, masked.
        var sender = suspicious.Sender.IdNumber;
        var notice = await PlatformClient.EventuallyAsync(async () =>
            (await _platform.GetJsonAsync("/api/cooperation/v1/inbox?limit=500", "liaison.522726"))["items"]!.AsArray()
                .FirstOrDefault(n => n!["payload"]!["subjectMasked"]?.GetValue<string>() == sender[..4] + "**********" + sender[^4..]
                                     && n["payload"]!["company"] is not null),
            what: "the household notice about the parcel's sender");
        Assert.DoesNotContain(sender, notice!.ToJsonString());
        Assert.DoesNotContain(suspicious.Waybill, notice.ToJsonString());

        using var ack = await _platform.PostAsync($"/api/screening/v1/courier/referrals/{referral["id"]}/acknowledge", "courier-sf", new { });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        // Another courier can neither see nor acknowledge it.
        var zto = await _platform.GetJsonAsync("/api/screening/v1/courier/referrals?limit=500", "courier-zto");
        Assert.DoesNotContain(zto["items"]!.AsArray(), r => r!["waybill"]!.GetValue<string>() == suspicious.Waybill);
        using var foreignAck = await _platform.PostAsync($"/api/screening/v1/courier/referrals/{referral["id"]}/acknowledge", "courier-zto", new { });
        Assert.Equal(HttpStatusCode.NotFound, foreignAck.StatusCode);
    }

    [Fact]
    public async Task Streams_referrals_with_heartbeats_and_a_release_when_the_case_allows()
    {
        var suspicious = Parcel(xray: "suspicious");
        await SubmitAsync("courier-sf", suspicious);
        var token = await _platform.ClientTokenAsync("courier-sf", "sf-demo-secret");
        using var channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });
        var client = new CourierFeed.CourierFeedClient(channel);
        var headers = new Metadata { { "authorization", "Bearer " + token } };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = client.StreamReferrals(new StreamReferralsRequest { AfterSequence = 0 }, headers, cancellationToken: timeout.Token);

        // The backlog first, then a heartbeat saying how far it goes.
        ReferralMessage? inspect = null;
        Heartbeat? beat = null;
        while (beat is null && await stream.ResponseStream.MoveNext(timeout.Token))
        {
            var e = stream.ResponseStream.Current;
            if (e.Referral?.Waybill == suspicious.Waybill) inspect = e.Referral;
            beat ??= e.Heartbeat;
        }
        Assert.NotNull(inspect);
        Assert.Equal("inspect", inspect!.Action);
        Assert.True(beat!.LastSequence >= inspect.Sequence);

        // 都匀 releases the waybill: the open stream hears it at once.
        using var release = await _platform.PostAsync($"/api/screening/v1/referrals/{inspect.Id}/release", "supervisor.522701", new { });
        Assert.Equal(HttpStatusCode.Created, release.StatusCode);
        ReferralMessage? released = null;
        while (released is null && await stream.ResponseStream.MoveNext(timeout.Token))
            if (stream.ResponseStream.Current.Referral is { Waybill: var w, Action: "release" } r && w == suspicious.Waybill) released = r;
        Assert.True(released!.Sequence > inspect.Sequence);

        // Released once; another county cannot release it; the courier acknowledges over gRPC.
        using var again = await _platform.PostAsync($"/api/screening/v1/referrals/{inspect.Id}/release", "supervisor.522701", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var foreign = await _platform.PostAsync($"/api/screening/v1/referrals/{inspect.Id}/release", "supervisor.522722", new { });
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        var acked = await client.AcknowledgeReferralAsync(new AcknowledgeReferralRequest { Id = released.Id }, headers);
        Assert.NotNull(acked.AcknowledgedAt);
    }

    [Fact]
    public async Task Holds_a_parcel_whose_sender_is_on_the_watchlist()
    {
        // A seizure makes the person a subject of an active 荔波 lead …
        var person = TestIds.Person("522726");
        using var posted = await _platform.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(person));
        var id = JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await PlatformClient.EventuallyAsync(async () =>
            (await _platform.GetJsonAsync($"/api/leads/v1/leads?sourceId={id}", "analyst.522722"))["items"]!.AsArray().FirstOrDefault(), what: "the lead");
        await Posting_an_inspection.WatchlistAnswerAsync(_platform, person); // the watchlist has caught up

        // … then sends a parcel with SF.
        var parcel = Parcel();
        parcel.Sender.IdNumber = person;
        await SubmitAsync("courier-sf", parcel);
        var page = await _platform.GetJsonAsync("/api/screening/v1/courier/referrals?limit=500", "courier-sf");
        var referral = page["items"]!.AsArray().Single(r => r!["waybill"]!.GetValue<string>() == parcel.Waybill);
        Assert.Equal("hold", referral!["action"]!.GetValue<string>());
        Assert.Equal("522722", referral["issuingAgency"]!.GetValue<string>());
        Assert.DoesNotContain(person, referral.ToJsonString());

        // 荔波's lead on the person hears of the parcel: a timeline entry, not a second lead.
        var leadId = (await _platform.GetJsonAsync($"/api/leads/v1/leads?sourceId={id}", "analyst.522722"))["items"]![0]!["id"]!.GetValue<string>();
        var joined = await PlatformClient.EventuallyAsync(async () =>
        {
            var l = await _platform.GetJsonAsync($"/api/leads/v1/leads/{leadId}", "analyst.522722");
            return l["timeline"]!.AsArray().Any(t => t!["detail"]!.GetValue<string>().Contains("watchlist")) ? l : null;
        }, what: "the parcel on the lead's timeline");
        Assert.Contains(joined!["subjects"]!.AsArray(), x => x!["kind"]!.GetValue<string>() == "parcel");
    }

    [Fact]
    public async Task Shows_a_courier_only_its_own_company_and_refuses_its_records_for_another()
    {
        await SubmitAsync("courier-sf", Parcel());
        Assert.NotNull(await OutletDayAsync("courier-sf"));
        var zto = await _platform.GetJsonAsync($"/api/screening/v1/compliance/outlets?day={Today}&company=SF&limit=500", "courier-zto");
        Assert.Empty(zto["items"]!.AsArray());
        var receipts = await SubmitAsync("courier-zto", Parcel());
        Assert.Equal("wrong_company", Assert.Single(receipts).ErrorCode);
        // Staff of a county without the outlet see nothing of it either.
        Assert.Null(await OutletDayAsync("supervisor.522722"));
        // The prefecture sees its counties' outlets.
        Assert.NotNull(await OutletDayAsync("supervisor.522700"));
    }

    [Fact]
    public async Task Takes_the_same_records_as_ndjson_or_csv_over_http_with_the_same_receipts()
    {
        var a = Parcel();
        var b = Parcel(compliant: false);
        string Line(ParcelRecord p, string? idNumber = null) => new JsonObject
        {
            ["waybill"] = p.Waybill, ["company"] = p.Company, ["outletCode"] = p.OutletCode, ["acceptedAt"] = p.AcceptedAt.ToDateTimeOffset().ToString("O"),
            ["sender"] = new JsonObject { ["name"] = p.Sender.Name, ["idNumber"] = idNumber ?? p.Sender.IdNumber, ["phone"] = p.Sender.Phone },
            ["recipientPhone"] = p.RecipientPhone, ["recipientRegion"] = p.RecipientRegion, ["originRegion"] = p.OriginRegion,
            ["destinationRegion"] = p.DestinationRegion, ["declaredContents"] = p.DeclaredContents, ["weightGrams"] = p.WeightGrams,
            ["realNameVerified"] = p.RealNameVerified, ["openedAndInspected"] = p.OpenedAndInspected, ["inspector"] = p.Inspector,
            ["xRayed"] = p.XRayed, ["xRayMachine"] = p.XrayMachine, ["xRayResult"] = p.XrayResult,
        }.ToJsonString();
        var ndjson = Line(a) + "\n{ not json\n" + Line(b, idNumber: "123") + "\n";
        var receipts = await UploadAsync(ndjson, "application/x-ndjson");
        Assert.Equal(3, receipts.Count);
        Assert.Equal("accepted", receipts[0]["status"]!.GetValue<string>());
        Assert.Equal("malformed_record", receipts[1]["errorCode"]!.GetValue<string>());
        Assert.Equal("sender.idNumber", receipts[2]["field"]!.GetValue<string>());

        var c = Parcel(compliant: false);
        var csv = "waybill,company,outletCode,acceptedAt,senderName,senderIdNumber,senderPhone,recipientPhone,recipientRegion,originRegion,destinationRegion,declaredContents,weightGrams,realNameVerified,openedAndInspected,inspector,xRayed,xRayMachine,xRayResult\n" +
                  $"{c.Waybill},SF,{c.OutletCode},{c.AcceptedAt.ToDateTimeOffset():O},王五,{c.Sender.IdNumber},{c.Sender.Phone},{c.RecipientPhone},110105,522701,110105,\"衣服, 鞋\",900,true,false,,true,XR-01,clear\n";
        receipts = await UploadAsync(csv, "text/csv");
        Assert.Equal("accepted", Assert.Single(receipts)["status"]!.GetValue<string>());
        var day = await OutletDayAsync("supervisor.522701");
        Assert.Equal((2, 1), (day!["parcels"]!.GetValue<int>(), day["allThree"]!.GetValue<int>()));

        // The supervisor's list of parcels that broke the rule, also as CSV.
        using var export = await _platform.GetAsync($"/api/screening/v1/compliance/outlets/SF/{_outlet}/{Today}/non-compliant?format=csv", "supervisor.522701");
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        var exported = await export.Content.ReadAsStringAsync();
        Assert.Contains(c.Waybill, exported);
        Assert.DoesNotContain(a.Waybill, exported);
        Assert.DoesNotContain(c.Sender.IdNumber, exported);
    }

    [Fact]
    public async Task Refuses_an_upload_of_another_media_type_with_problem_details()
    {
        using var response = await _platform.SendAsync(HttpMethod.Post, "/api/screening/v1/courier/parcels", "courier-sf", "{}");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<List<JsonNode>> UploadAsync(string body, string mediaType)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/screening/v1/courier/parcels")
        {
            Content = new StringContent(body, Encoding.UTF8, mediaType),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _platform.ClientTokenAsync("courier-sf", "sf-demo-secret"));
        using var response = await _platform.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
    }
}

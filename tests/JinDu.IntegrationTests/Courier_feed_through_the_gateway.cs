using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using JinDu.BuildingBlocks.Identifiers;
using JinDu.DataGenerator;
using JinDu.Screening.Grpc.V1;
using JinDu.Testing;

namespace JinDu.IntegrationTests;

/// <summary>A courier's gRPC feed and referral stream through the gateway into PostgreSQL (binary COPY) and back.</summary>
[Collection(DistributedCollection.Name)]
public sealed class Courier_feed_through_the_gateway(DistributedPlatform platform)
{
    [Fact]
    public async Task Takes_a_large_ndjson_upload_through_the_gateway_and_answers_every_record()
    {
        // Large enough (about 10 MB) that streaming receipts back during the upload would deadlock
        // behind the proxy, which sends the whole body before reading the answer.
        var client = platform.Platform();
        var generator = new ParcelGenerator(seed: 78, new ParcelOptions
        {
            Day = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)), NotAfter = DateTimeOffset.UtcNow.AddMinutes(-1), Count = 20_000,
            // ZTO's client: the other test counts SF's parcels of the day.
            Companies = [CourierCompany.ZTO], OutletsPerCompany = 4, NonCompliantShare = 0.02, SuspiciousShare = 0, DuplicateShare = 0.01,
        });
        var body = new MemoryStream();
        RecordWriters.WriteNdjson(body, generator.Generate());
        body.Position = 0;
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/screening/v1/courier/parcels") { Content = new StreamContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-ndjson");
        request.Headers.Authorization = new("Bearer", await client.ClientTokenAsync("courier-zto", "zto-demo-secret"));
        using var http = new HttpClient { BaseAddress = new Uri(platform.GatewayUrl), Timeout = TimeSpan.FromMinutes(2) };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text[..Math.Min(500, text.Length)]}");
        var receipts = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(20_000, receipts.Length);
        Assert.All(receipts, r => Assert.Contains("\"status\":\"accepted\"", r));
    }

    [Fact]
    public async Task Stores_every_record_and_rolls_up_what_the_generator_counted()
    {
        var client = platform.Platform();
        var token = await client.ClientTokenAsync("courier-sf", "sf-demo-secret");
        var headers = new Metadata { { "authorization", "Bearer " + token } };
        var day = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        var generator = new ParcelGenerator(seed: 77, new ParcelOptions
        {
            Day = day, NotAfter = DateTimeOffset.UtcNow.AddMinutes(-1), Count = 5_000, Companies = [CourierCompany.SF],
            OutletsPerCompany = 8, NonCompliantShare = 0.05, SuspiciousShare = 0.01, DuplicateShare = 0.03,
        });

        using var channel = GrpcChannel.ForAddress(platform.GatewayGrpcUrl);
        var feed = new CourierFeed.CourierFeedClient(channel);
        using var call = feed.SubmitParcels(headers);
        var accepted = 0;
        var rejected = new List<string>();
        var reading = Task.Run(async () =>
        {
            await foreach (var r in call.ResponseStream.ReadAllAsync())
                if (r.Status == ParcelReceipt.Types.Status.Accepted) accepted++;
                else rejected.Add($"{r.Position} {r.Field}: {r.Message}");
        });
        foreach (var p in generator.Generate())
            await call.RequestStream.WriteAsync(ToRecord(p));
        await call.RequestStream.CompleteAsync();
        await reading;
        Assert.Empty(rejected);
        Assert.Equal(generator.Tally.Records, accepted);

        var companies = await client.GetJsonAsync($"/api/screening/v1/compliance/companies?day={day:yyyy-MM-dd}", "courier-sf");
        var sf = companies["items"]!.AsArray().Single(c => c!["company"]!.GetValue<string>() == "SF")!;
        var expected = generator.Tally.ForCompany("SF");
        Assert.Equal((expected.Total, expected.RealNameOk, expected.OpenedOk, expected.XRayOk, expected.AllOk, expected.Suspicious),
            (sf["parcels"]!.GetValue<int>(), sf["realNameVerified"]!.GetValue<int>(), sf["openedAndInspected"]!.GetValue<int>(),
             sf["xRayed"]!.GetValue<int>(), sf["allThree"]!.GetValue<int>(), sf["suspicious"]!.GetValue<int>()));

        // The referral stream runs through the gateway too: the backlog of inspect referrals, then a heartbeat.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = feed.StreamReferrals(new StreamReferralsRequest(), headers, cancellationToken: timeout.Token);
        var referrals = 0;
        Heartbeat? beat = null;
        while (beat is null && await stream.ResponseStream.MoveNext(timeout.Token))
        {
            if (stream.ResponseStream.Current.Referral is { Action: "inspect" }) referrals++;
            beat = stream.ResponseStream.Current.Heartbeat;
        }
        Assert.Equal(expected.Suspicious, referrals);
        Assert.True(beat!.LastSequence >= referrals);
    }
    [Fact]
    public async Task Two_feeds_resending_the_same_waybills_at_once_count_each_waybill_once_with_its_latest_version()
    {
        var client = platform.Platform();
        var token = await client.ClientTokenAsync("courier-zto", "zto-demo-secret");
        var headers = new Metadata { { "authorization", "Bearer " + token } };
        // Yesterday (China time): the NDJSON test sends ZTO's parcels of today.
        var day = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).AddDays(-1);
        var generator = new ParcelGenerator(seed: 79, new ParcelOptions
        {
            Day = day, NotAfter = DateTimeOffset.UtcNow.AddMinutes(-1), Count = 6_000, Companies = [CourierCompany.ZTO],
            OutletsPerCompany = 3, NonCompliantShare = 0.1, SuspiciousShare = 0, DuplicateShare = 0,
        });
        var latest = generator.Generate().Select(ToRecord).ToList();
        var expected = generator.Tally.ForCompany("ZTO");

        using var channel = GrpcChannel.ForAddress(platform.GatewayGrpcUrl);
        var feed = new CourierFeed.CourierFeedClient(channel);
        // First every waybill without its X-ray; then two feeds at once send the real versions again.
        var first = latest.Select(r => { var x = r.Clone(); x.XRayed = false; x.XrayMachine = ""; x.XrayResult = ""; return x; }).ToList();
        Assert.Equal((latest.Count, 0), await SendAsync(feed, headers, first));
        var again = await Task.WhenAll(SendAsync(feed, headers, latest), SendAsync(feed, headers, Enumerable.Reverse(latest).ToList()));
        Assert.All(again, a => Assert.Equal((latest.Count, 0), a));

        var companies = await client.GetJsonAsync($"/api/screening/v1/compliance/companies?day={day:yyyy-MM-dd}", "courier-zto");
        var zto = companies["items"]!.AsArray().Single(c => c!["company"]!.GetValue<string>() == "ZTO")!;
        Assert.Equal((expected.Total, expected.RealNameOk, expected.OpenedOk, expected.XRayOk, expected.AllOk),
            (zto["parcels"]!.GetValue<int>(), zto["realNameVerified"]!.GetValue<int>(), zto["openedAndInspected"]!.GetValue<int>(),
             zto["xRayed"]!.GetValue<int>(), zto["allThree"]!.GetValue<int>()));
    }

    private static async Task<(int Accepted, int Rejected)> SendAsync(CourierFeed.CourierFeedClient feed, Metadata headers, IReadOnlyList<ParcelRecord> records)
    {
        using var call = feed.SubmitParcels(headers);
        int accepted = 0, rejected = 0;
        var reading = Task.Run(async () =>
        {
            await foreach (var r in call.ResponseStream.ReadAllAsync())
                if (r.Status == ParcelReceipt.Types.Status.Accepted) accepted++;
                else rejected++;
        });
        foreach (var record in records) await call.RequestStream.WriteAsync(record);
        await call.RequestStream.CompleteAsync();
        await reading;
        return (accepted, rejected);
    }

    private static ParcelRecord ToRecord(GeneratedParcel p) => new()
    {
        Waybill = p.Waybill, Company = p.Company, OutletCode = p.OutletCode, AcceptedAt = Timestamp.FromDateTimeOffset(p.AcceptedAt),
        Sender = new Sender { Name = p.SenderName, IdNumber = p.SenderIdNumber ?? "", Phone = p.SenderPhone },
        RecipientPhone = p.RecipientPhone, RecipientRegion = p.RecipientRegion, OriginRegion = p.OriginRegion,
        DestinationRegion = p.DestinationRegion, DeclaredContents = p.DeclaredContents, WeightGrams = p.WeightGrams,
        RealNameVerified = p.RealNameVerified, OpenedAndInspected = p.OpenedAndInspected, Inspector = p.Inspector ?? "",
        XRayed = p.XRayed, XrayMachine = p.XRayMachine ?? "", XrayResult = p.XRayResult ?? "",
    };
}

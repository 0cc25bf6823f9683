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
            await call.RequestStream.WriteAsync(new ParcelRecord
            {
                Waybill = p.Waybill, Company = p.Company, OutletCode = p.OutletCode, AcceptedAt = Timestamp.FromDateTimeOffset(p.AcceptedAt),
                Sender = new Sender { Name = p.SenderName, IdNumber = p.SenderIdNumber ?? "", Phone = p.SenderPhone },
                RecipientPhone = p.RecipientPhone, RecipientRegion = p.RecipientRegion, OriginRegion = p.OriginRegion,
                DestinationRegion = p.DestinationRegion, DeclaredContents = p.DeclaredContents, WeightGrams = p.WeightGrams,
                RealNameVerified = p.RealNameVerified, OpenedAndInspected = p.OpenedAndInspected, Inspector = p.Inspector ?? "",
                XRayed = p.XRayed, XrayMachine = p.XRayMachine ?? "", XrayResult = p.XRayResult ?? "",
            });
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
}

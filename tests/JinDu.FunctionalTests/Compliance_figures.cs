using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using JinDu.BuildingBlocks.Identifiers;
using JinDu.DataGenerator;
using JinDu.Screening.Grpc.V1;

namespace JinDu.FunctionalTests;

/// <summary>The "three 100%" roll-ups agree with the generator's own count of what it sent.</summary>
public sealed class Compliance_figures : IAsyncLifetime
{
    // Its own platform: nothing else may add parcels to these outlets.
    private readonly StandaloneFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Match_the_generators_known_counts_per_outlet_and_day_with_resubmissions_counted_once()
    {
        var platform = _factory.Platform();
        var day = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        var generator = new ParcelGenerator(seed: 20261125, new ParcelOptions
        {
            Day = day, NotAfter = DateTimeOffset.UtcNow.AddMinutes(-1), Count = 3_000, Companies = [CourierCompany.SF],
            OutletsPerCompany = 12, NonCompliantShare = 0.05, SuspiciousShare = 0.01, DuplicateShare = 0.03,
        });

        var token = await platform.ClientTokenAsync("courier-sf", "sf-demo-secret");
        using var channel = GrpcChannel.ForAddress(_factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = _factory.Server.CreateHandler() });
        using var call = new CourierFeed.CourierFeedClient(channel).SubmitParcels(new Metadata { { "authorization", "Bearer " + token } });
        var rejected = new List<ParcelReceipt>();
        var accepted = 0;
        var reading = Task.Run(async () =>
        {
            await foreach (var r in call.ResponseStream.ReadAllAsync())
                if (r.Status == ParcelReceipt.Types.Status.Accepted) accepted++;
                else rejected.Add(r);
        });
        foreach (var p in generator.Generate()) await call.RequestStream.WriteAsync(ToRecord(p));
        await call.RequestStream.CompleteAsync();
        await reading;

        Assert.Empty(rejected.Select(r => $"{r.Position} {r.Field}: {r.Message}"));
        var tally = generator.Tally;
        Assert.True(tally.IsComplete && tally.Resubmissions > 0);
        Assert.Equal(tally.Records, accepted);

        var seen = new Dictionary<string, JsonNode>();
        string? cursor = null;
        do
        {
            var page = await platform.GetJsonAsync($"/api/screening/v1/compliance/outlets?day={day:yyyy-MM-dd}&company=SF&limit=5" + (cursor is null ? "" : "&cursor=" + cursor), "courier-sf");
            foreach (var o in page["items"]!.AsArray()) seen.Add(o!["outletCode"]!.GetValue<string>(), o);
            cursor = page["nextCursor"]?.GetValue<string>();
        } while (cursor is not null);

        Assert.Equal(tally.Outlets.Count, seen.Count);
        foreach (var (key, expected) in tally.Outlets)
        {
            var actual = seen[key.OutletCode];
            Assert.Equal(
                (expected.Total, expected.RealNameOk, expected.OpenedOk, expected.XRayOk, expected.AllOk, expected.Suspicious),
                (actual["parcels"]!.GetValue<int>(), actual["realNameVerified"]!.GetValue<int>(), actual["openedAndInspected"]!.GetValue<int>(),
                 actual["xRayed"]!.GetValue<int>(), actual["allThree"]!.GetValue<int>(), actual["suspicious"]!.GetValue<int>()));
            Assert.Equal(expected.AllOk == expected.Total, actual["compliant"]!.GetValue<bool>());
        }

        // The company roll-up is the sum, and the county supervisors see exactly their outlets.
        var company = (await platform.GetJsonAsync($"/api/screening/v1/compliance/companies?day={day:yyyy-MM-dd}", "courier-sf"))["items"]![0]!;
        Assert.Equal(tally.ForCompany("SF").Total, company["parcels"]!.GetValue<int>());
        Assert.Equal(tally.ForCompany("SF").AllOk, company["allThree"]!.GetValue<int>());
        var duyun = (await platform.GetJsonAsync($"/api/screening/v1/compliance/companies?day={day:yyyy-MM-dd}", "supervisor.522701"))["items"]!.AsArray();
        Assert.Equal(tally.ForRegion("522701").Total, duyun.Sum(c => c!["parcels"]!.GetValue<int>()));
    }

    private static ParcelRecord ToRecord(GeneratedParcel p) => new()
    {
        Waybill = p.Waybill, Company = p.Company, OutletCode = p.OutletCode, AcceptedAt = Timestamp.FromDateTimeOffset(p.AcceptedAt),
        Sender = new Sender { Name = p.SenderName, IdNumber = p.SenderIdNumber ?? "", Phone = p.SenderPhone },
        RecipientPhone = p.RecipientPhone, RecipientRegion = p.RecipientRegion, OriginRegion = p.OriginRegion, DestinationRegion = p.DestinationRegion,
        DeclaredContents = p.DeclaredContents, WeightGrams = p.WeightGrams, RealNameVerified = p.RealNameVerified,
        OpenedAndInspected = p.OpenedAndInspected, Inspector = p.Inspector ?? "", XRayed = p.XRayed, XrayMachine = p.XRayMachine ?? "",
        XrayResult = p.XRayResult ?? "",
    };
}

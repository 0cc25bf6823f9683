using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using Grpc.Core;
using Grpc.Net.Client;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Contracts;
using JinDu.Cooperation.Grpc.V1;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using JinDu.Cooperation.Sharing;
using JinDu.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace JinDu.FunctionalTests;

/// <summary>
/// The redaction holds on every channel a partner reads: under a tokens agreement neither the ID number nor its
/// masked form reaches the inbox, the webhook, the gRPC stream or the server-sent events; an internal lead reaches none.
/// </summary>
public sealed class Leaks_over_every_channel(CooperationPlatform platform) : IClassFixture<CooperationPlatform>
{
    [Fact]
    public async Task Under_a_tokens_agreement_and_for_an_internal_lead()
    {
        using (var agreed = await platform.Platform.PostAsync("/api/cooperation/v1/agreements", "admin",
            new { parties = new[] { "522726", "522701" }, sharingLevels = new[] { "partners" }, disclosure = "tokens" }))
            Assert.Equal(HttpStatusCode.Created, agreed.StatusCode);
        using (var subscribed = await platform.Platform.PostAsync("/api/cooperation/v1/subscriptions", "liaison.522701", new { types = new[] { "lead_shared" } }))
            Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        await using var receiver = await WebhookReceiver.StartAsync();
        await platform.RegisterAsync("liaison.522701", receiver.Url);
        var start = (await platform.GetAsync("/api/cooperation/v1/inbox?limit=1", "liaison.522701"))["lastSequence"]!.GetValue<long>();

        var person = TestIds.Person("522722");
        var masked = Mask.IdNumber(person);
        var token = platform.Factory.Services.GetRequiredService<PersonalDataProtector>().Token(SubjectKind.Person, person);
        LeadOffer Offer(SharingLevel level, string reference) => new(Guid.CreateVersion7(), NoticeType.LeadShared, "522726", level, HandlingCode.H0,
            Guid.CreateVersion7(), reference, "trafficking", 3, ["heroin"], [new OutgoingSubject(SubjectKind.Person, token, masked, person)],
            "独山县禁毒办", ["522701"]); // named, as Leads addresses a partner: subscribers are added at prefecture level only
        await using (var scope = platform.Factory.Services.CreateAsyncScope())
        {
            var router = scope.ServiceProvider.GetRequiredService<NoticeRouter>();
            Assert.Empty(await router.OfferAsync(Offer(SharingLevel.Internal, "DS-INTERNAL-1"), CancellationToken.None));
            Assert.Equal(["522701"], await router.OfferAsync(Offer(SharingLevel.Partners, "DS-PARTNERS-1"), CancellationToken.None));
            await scope.ServiceProvider.GetRequiredService<CooperationDbContext>().SaveChangesAsync();
        }

        var channels = new Dictionary<string, string>();
        channels["inbox"] = (await platform.GetAsync($"/api/cooperation/v1/inbox?after={start}&limit=500", "liaison.522701")).ToJsonString();
        channels["webhook"] = (await PlatformClient.EventuallyAsync(() =>
            Task.FromResult(receiver.Accepted.FirstOrDefault(w => w.Body.Contains("DS-PARTNERS-1"))), what: "the webhook"))!.Body;

        var channel = GrpcChannel.ForAddress(platform.Factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = platform.Factory.Server.CreateHandler() });
        var headers = new Metadata { { "Authorization", "Bearer " + await platform.Platform.TokenAsync("liaison.522701") } };
        using (var call = new Notifications.NotificationsClient(channel).Stream(new StreamNotificationsRequest { AfterSequence = start }, headers))
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            var seen = "";
            while (!seen.Contains("DS-PARTNERS-1") && await call.ResponseStream.MoveNext(timeout.Token))
                seen += call.ResponseStream.Current.ToString();
            channels["grpc"] = seen;
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/api/cooperation/v1/inbox/stream?after={start}"))
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await platform.Platform.TokenAsync("liaison.522701"));
            using var response = await platform.Platform.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var seen = "";
            await foreach (var item in SseParser.Create(body).EnumerateAsync(timeout.Token))
            {
                seen += item.Data;
                if (seen.Contains("DS-PARTNERS-1")) break;
            }
            channels["sse"] = seen;
        }

        foreach (var (name, text) in channels)
        {
            Assert.True(text.Contains("DS-PARTNERS-1"), $"{name}: the shared lead is missing");
            Assert.True(text.Contains(token), $"{name}: the token is missing");
            Assert.False(text.Contains("DS-INTERNAL-1"), $"{name}: the internal lead leaked");
            Assert.False(text.Contains(person), $"{name}: the ID number leaked");
            Assert.False(text.Contains(masked), $"{name}: the masked ID number leaked");
        }
    }
}

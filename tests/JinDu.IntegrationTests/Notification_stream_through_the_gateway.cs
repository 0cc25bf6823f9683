using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using JinDu.Cooperation.Grpc.V1;
using JinDu.Testing;

namespace JinDu.IntegrationTests;

/// <summary>Issue 5, part 4, distributed: the notification stream and the inbox's server-sent events pass the gateway live, with heartbeats.</summary>
[Collection(DistributedCollection.Name)]
public sealed class Notification_stream_through_the_gateway(DistributedPlatform platform)
{
    private readonly PlatformClient _client = platform.Platform();

    private async Task<string> PostSeizureOfAsync(string person)
    {
        using var posted = await _client.PostAsync("/api/screening/v1/inspections", "officer.522722", PlatformClient.SeizureOf(person), Guid.NewGuid().ToString());
        var body = await posted.Content.ReadAsStringAsync();
        Assert.True(posted.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task A_household_notice_arrives_live_on_the_grpc_stream_and_the_stream_beats_when_idle()
    {
        var position = (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=1", "liaison.522701"))["lastSequence"]!.GetValue<long>();
        using var channel = GrpcChannel.ForAddress(platform.GatewayGrpcUrl);
        var headers = new Metadata { { "Authorization", "Bearer " + await _client.TokenAsync("liaison.522701") } };
        using var call = new Notifications.NotificationsClient(channel).Stream(new StreamNotificationsRequest { AfterSequence = position }, headers);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // The stream is open (a heartbeat through the gateway) before the flag is posted.
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token), platform.Logs());
        Assert.Equal(NotificationEvent.EventOneofCase.Heartbeat, call.ResponseStream.Current.EventCase);

        var inspectionId = await PostSeizureOfAsync(TestIds.Person("522701"));
        Notification? notice = null;
        while (notice is null && await call.ResponseStream.MoveNext(timeout.Token))
            if (call.ResponseStream.Current.Notification is { } n && JsonNode.Parse(n.PayloadJson)!["inspectionId"]?.GetValue<string>() == inspectionId) notice = n;
        Assert.NotNull(notice);
        Assert.Equal("household_county", notice.Type);
        Assert.True(notice.Sequence > position);
    }

    [Fact]
    public async Task The_inbox_streams_server_sent_events_through_the_gateway()
    {
        var position = (await _client.GetJsonAsync("/api/cooperation/v1/inbox?limit=1", "liaison.522726"))["lastSequence"]!.GetValue<long>();
        using var http = new HttpClient { BaseAddress = new Uri(platform.GatewayUrl), Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/cooperation/v1/inbox/stream?after={position}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _client.TokenAsync("liaison.522726"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        var events = SseParser.Create(body).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("heartbeat", events.Current.EventType);

        var inspectionId = await PostSeizureOfAsync(TestIds.Person("522726"));
        SseItem<string>? notice = null;
        while (notice is null && await events.MoveNextAsync())
            if (events.Current.EventType == "notification" && JsonNode.Parse(events.Current.Data)!["payload"]!["inspectionId"]?.GetValue<string>() == inspectionId)
                notice = events.Current;
        Assert.NotNull(notice);
        Assert.True(long.Parse(notice.Value.EventId!) > position);
        await events.DisposeAsync();
    }
}

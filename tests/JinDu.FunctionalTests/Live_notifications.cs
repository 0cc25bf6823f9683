using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using JinDu.Cooperation.Grpc.V1;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>Issue 5, part 4: the gRPC notification stream (resume by position, heartbeats) and the inbox's server-sent events.</summary>
public sealed class Live_notifications(CooperationPlatform platform) : IClassFixture<CooperationPlatform>
{
    private async Task<(Notifications.NotificationsClient Client, Metadata Headers)> ClientAsync(string user)
    {
        var channel = GrpcChannel.ForAddress(platform.Factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = platform.Factory.Server.CreateHandler() });
        return (new Notifications.NotificationsClient(channel), new Metadata { { "Authorization", "Bearer " + await platform.Platform.TokenAsync(user) } });
    }

    private static async Task<NotificationEvent> NextAsync(IAsyncStreamReader<NotificationEvent> stream, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        Assert.True(await stream.MoveNext(timeout.Token), "the stream ended");
        return stream.Current;
    }

    [Fact]
    public async Task The_grpc_stream_resumes_after_a_position_goes_live_and_beats_when_idle()
    {
        var sent = new List<(Guid Id, long Sequence)>();
        for (var i = 0; i < 3; i++) sent.Add(await platform.NotifyAsync("522726", $"grpc-{i}"));
        var (client, headers) = await ClientAsync("liaison.522726");

        using (var call = client.Stream(new StreamNotificationsRequest { AfterSequence = sent[0].Sequence }, headers))
        {
            var second = await NextAsync(call.ResponseStream, TimeSpan.FromSeconds(10));
            Assert.Equal(sent[1].Id.ToString(), second.Notification.Id);
            Assert.Equal(sent[2].Sequence, (await NextAsync(call.ResponseStream, TimeSpan.FromSeconds(10))).Notification.Sequence);

            var live = await platform.NotifyAsync("522726", "grpc-live");
            var arrived = await NextAsync(call.ResponseStream, TimeSpan.FromSeconds(5));
            Assert.Equal(live.Id.ToString(), arrived.Notification.Id);
            Assert.Equal("grpc-live", JsonNode.Parse(arrived.Notification.PayloadJson)!["test"]!.GetValue<string>());
            sent.Add(live);

            var beat = await NextAsync(call.ResponseStream, TimeSpan.FromSeconds(5));
            Assert.Equal(NotificationEvent.EventOneofCase.Heartbeat, beat.EventCase);
            Assert.Equal(live.Sequence, beat.Heartbeat.LastSequence);
        }

        // Reconnecting with the last sequence received picks up exactly where it left off.
        var missed = await platform.NotifyAsync("522726", "grpc-while-away");
        using var resumed = client.Stream(new StreamNotificationsRequest { AfterSequence = sent[^1].Sequence }, headers);
        Assert.Equal(missed.Id.ToString(), (await NextAsync(resumed.ResponseStream, TimeSpan.FromSeconds(10))).Notification.Id);
    }

    [Fact]
    public async Task The_grpc_stream_shows_only_the_callers_agency_and_refuses_bad_calls()
    {
        var theirs = await platform.NotifyAsync("522722", "not-for-522701");
        var ours = await platform.NotifyAsync("522701", "for-522701");
        var (client, headers) = await ClientAsync("liaison.522701");
        using (var call = client.Stream(new StreamNotificationsRequest { AfterSequence = 0 }, headers))
        {
            var seen = new List<string>();
            while (!seen.Contains(ours.Id.ToString()))
            {
                var e = await NextAsync(call.ResponseStream, TimeSpan.FromSeconds(10));
                if (e.EventCase == NotificationEvent.EventOneofCase.Notification) seen.Add(e.Notification.Id);
            }
            Assert.DoesNotContain(theirs.Id.ToString(), seen);
        }

        using var negative = client.Stream(new StreamNotificationsRequest { AfterSequence = -1 }, headers);
        var invalid = await Assert.ThrowsAsync<RpcException>(() => negative.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        using var anonymous = client.Stream(new StreamNotificationsRequest());
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => anonymous.ResponseStream.MoveNext())).StatusCode);
        var (officer, officerHeaders) = await ClientAsync("officer.522701");
        using var wrongRole = officer.Stream(new StreamNotificationsRequest(), officerHeaders);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => wrongRole.ResponseStream.MoveNext())).StatusCode);
    }

    [Fact]
    public async Task The_console_gets_server_sent_events_from_its_last_event_id_then_live()
    {
        var first = await platform.NotifyAsync("522722", "sse-1");
        var second = await platform.NotifyAsync("522722", "sse-2");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/cooperation/v1/inbox/stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await platform.Platform.TokenAsync("liaison.522722"));
        request.Headers.Add("Last-Event-ID", first.Sequence.ToString());
        using var response = await platform.Platform.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        var events = SseParser.Create(body).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        async Task<SseItem<string>> NextEventAsync()
        {
            Assert.True(await events.MoveNextAsync());
            return events.Current;
        }

        var replayed = await NextEventAsync();
        Assert.Equal("notification", replayed.EventType);
        Assert.Equal(second.Sequence.ToString(), replayed.EventId);
        Assert.Equal(second.Id.ToString(), JsonNode.Parse(replayed.Data)!["id"]!.GetValue<string>());

        var live = await platform.NotifyAsync("522722", "sse-live");
        var arrived = await NextEventAsync();
        Assert.Equal(live.Sequence.ToString(), arrived.EventId);
        Assert.Equal("sse-live", JsonNode.Parse(arrived.Data)!["payload"]!["test"]!.GetValue<string>());

        var beat = await NextEventAsync();
        Assert.Equal("heartbeat", beat.EventType);
        Assert.Equal(live.Sequence, JsonNode.Parse(beat.Data)!["lastSequence"]!.GetValue<long>());
        await events.DisposeAsync();
    }

    [Fact]
    public async Task Server_sent_events_refuse_a_bad_position_and_a_caller_without_the_role()
    {
        using var bad = await platform.Platform.GetAsync("/api/cooperation/v1/inbox/stream?after=-3", "liaison.522722");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var officer = await platform.Platform.GetAsync("/api/cooperation/v1/inbox/stream", "officer.522722");
        Assert.Equal(HttpStatusCode.Forbidden, officer.StatusCode);
    }
}

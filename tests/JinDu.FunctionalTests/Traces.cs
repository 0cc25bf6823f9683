using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using JinDu.Testing;

namespace JinDu.FunctionalTests;

/// <summary>One trace follows a flag from the HTTP post through the outbox and the bus into both consumers.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class Traces(StandaloneFactory factory) : IDisposable
{
    private readonly PlatformClient _platform = factory.Platform();
    private readonly ConcurrentBag<Activity> _seen = [];
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = s => s.Name is "MassTransit" or "JinDu.Outbox" or "Microsoft.AspNetCore",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    [Fact]
    public async Task Follow_a_flag_from_the_post_through_the_outbox_into_the_consumers()
    {
        _listener.ActivityStopped = a => _seen.Add(a);
        ActivitySource.AddActivityListener(_listener);
        var traceId = ActivityTraceId.CreateRandom();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/screening/v1/inspections")
        {
            Content = System.Net.Http.Json.JsonContent.Create(PlatformClient.SeizureOf(TestIds.Person("522726"))),
        };
        request.Headers.Authorization = new("Bearer", await _platform.TokenAsync("officer.522722"));
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await _platform.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var consumers = await PlatformClient.EventuallyAsync(() =>
        {
            var inTrace = _seen.Where(a => a.TraceId == traceId).ToList();
            var names = inTrace.Select(a => a.Source.Name + ":" + a.DisplayName).ToList();
            var consumed = inTrace.Where(a => a.Source.Name == "MassTransit" && a.Kind == ActivityKind.Consumer).ToList();
            return Task.FromResult(consumed.Count >= 2 ? names : null);
        }, TimeSpan.FromSeconds(20), "consumer activities in the request's trace: " + string.Join(", ", _seen.Where(a => a.TraceId == traceId).Select(a => a.Source.Name + ":" + a.DisplayName + ":" + a.Kind)));
        Assert.Contains(consumers, n => n.StartsWith("JinDu.Outbox:outbox publish InspectionFlagged"));
    }

    public void Dispose() => _listener.Dispose();
}

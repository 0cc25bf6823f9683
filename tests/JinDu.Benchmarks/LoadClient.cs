using System.Net;
using JinDu.Testing;

namespace JinDu.Benchmarks;

/// <summary>What every command that posts inspections sets up the same way: the officers' tokens and the HTTP client.</summary>
public static class LoadClient
{
    /// <summary>"Bearer …" of the demo officer of each workload agency, by agency code.</summary>
    public static async Task<Dictionary<string, string>> OfficerTokensAsync(PlatformClient client)
    {
        var tokens = new Dictionary<string, string>();
        foreach (var agency in GatewayOverheadCommand.Workload.Agencies.Keys)
            tokens[agency] = "Bearer " + await client.TokenAsync($"officer.{agency}");
        return tokens;
    }

    /// <summary>
    /// A connection per request in flight (plus a few), kept for the whole run, and nothing that adds work per
    /// request (no cookies, proxy or decompression).
    /// </summary>
    public static HttpClient Create(int inFlight, TimeSpan connectTimeout, TimeSpan requestTimeout) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = inFlight + 8,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        ConnectTimeout = connectTimeout,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    { Timeout = requestTimeout };
}

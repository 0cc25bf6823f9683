using System.Security.Cryptography;
using Xunit;

namespace JinDu.Testing;

/// <summary>
/// The distributed mode as it runs in production, on loopback: real PostgreSQL (a database per service,
/// schema from migrations), real RabbitMQ (quorum queues), Redis, and the gateway plus three services
/// as separate processes. Tokens come from the gateway's local issuer; the services fetch its keys
/// through OIDC discovery as they would from any provider.
/// </summary>
public sealed class DistributedPlatform : IAsyncLifetime
{
    private readonly List<ServiceProcess> _processes = [];

    public RealServers Servers { get; } = new();
    public string GatewayUrl { get; private set; } = "";
    /// <summary>The Screening service's own address, for calls that bypass the gateway (benchmarks, readiness).</summary>
    public string ScreeningUrl { get; private set; } = "";
    public string LeadsUrl { get; private set; } = "";
    public string CooperationUrl { get; private set; } = "";
    public string LogDirectory { get; } = Path.Combine(Path.GetTempPath(), "jindu-distributed-" + Guid.NewGuid().ToString("N")[..8]);
    public IReadOnlyList<ServiceProcess> Processes => _processes;

    /// <summary>Benchmarks turn request logging down so logging does not dominate what is measured.</summary>
    public string LogLevel { get; init; } = "Information";

    public PlatformClient Platform() => new(new HttpClient { BaseAddress = new Uri(GatewayUrl), Timeout = TimeSpan.FromSeconds(30) });

    public async Task InitializeAsync()
    {
        await Servers.InitializeAsync();
        var gatewayPort = FreePort.Next();
        GatewayUrl = $"http://127.0.0.1:{gatewayPort}";
        var shared = new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            ["Messaging__Transport"] = "RabbitMq",
            ["Messaging__RabbitMq"] = Servers.RabbitMqUri,
            ["Redis__Configuration"] = Servers.RedisConfiguration,
            ["Auth__Mode"] = "Oidc",
            ["Auth__Authority"] = GatewayUrl,
            ["Auth__Issuer"] = GatewayUrl,
            ["Auth__RequireHttpsMetadata"] = "false",
            ["PersonalData__ActiveKeyId"] = "k1",
            ["PersonalData__Keys__k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["PersonalData__TokenKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Demo__Seed"] = "true",
            ["Logging__LogLevel__Default"] = LogLevel,
        };

        int leadsHttp = FreePort.Next(), leadsGrpc = FreePort.Next(), screeningHttp = FreePort.Next(), cooperationHttp = FreePort.Next();
        ScreeningUrl = $"http://127.0.0.1:{screeningHttp}";
        LeadsUrl = $"http://127.0.0.1:{leadsHttp}";
        CooperationUrl = $"http://127.0.0.1:{cooperationHttp}";
        var leads = await StartServiceAsync("leads", "services/Leads/JinDu.Leads", "JinDu.Leads", leadsHttp, shared, new()
        {
            ["ConnectionStrings__Leads"] = await Servers.CreatePostgresDatabaseAsync("leads"),
            // gRPC needs HTTP/2, which Kestrel speaks without TLS only on an HTTP/2-only endpoint.
            ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{leadsGrpc}",
            ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
        });
        var screening = await StartServiceAsync("screening", "services/Screening/JinDu.Screening", "JinDu.Screening", screeningHttp, shared, new()
        {
            ["ConnectionStrings__Screening"] = await Servers.CreatePostgresDatabaseAsync("screening"),
            ["Services__Leads"] = $"http://127.0.0.1:{leadsGrpc}",
        });
        var cooperation = await StartServiceAsync("cooperation", "services/Cooperation/JinDu.Cooperation", "JinDu.Cooperation", cooperationHttp, shared, new()
        {
            ["ConnectionStrings__Cooperation"] = await Servers.CreatePostgresDatabaseAsync("cooperation"),
        });
        var gateway = ServiceProcess.Start("gateway", ServiceProcess.BuildOutput("gateway/JinDu.Gateway", "JinDu.Gateway"), new Dictionary<string, string>
        {
            ["Urls"] = GatewayUrl,
            ["Auth__Mode"] = "Embedded",
            ["Auth__Issuer"] = GatewayUrl,
            ["Auth__LocalIssuer__KeyFile"] = Path.Combine(LogDirectory, "issuer.pem"),
            ["ReverseProxy__Clusters__screening__Destinations__primary__Address"] = $"http://127.0.0.1:{screeningHttp}",
            ["ReverseProxy__Clusters__leads__Destinations__primary__Address"] = $"http://127.0.0.1:{leadsHttp}",
            ["ReverseProxy__Clusters__leads-grpc__Destinations__primary__Address"] = $"http://127.0.0.1:{leadsGrpc}",
            ["ReverseProxy__Clusters__cooperation__Destinations__primary__Address"] = $"http://127.0.0.1:{cooperationHttp}",
        }, LogDirectory);
        _processes.Add(gateway);
        await gateway.WaitUntilAnswersAsync(GatewayUrl + "/health/ready", TimeSpan.FromSeconds(60));
        // Every service is ready (database migrated, broker connected) before a test starts.
        foreach (var (p, port) in new[] { (leads, leadsHttp), (screening, screeningHttp), (cooperation, cooperationHttp) })
            await p.WaitUntilAnswersAsync($"http://127.0.0.1:{port}/health/ready", TimeSpan.FromSeconds(90));
    }

    private async Task<ServiceProcess> StartServiceAsync(string name, string projectDir, string assembly, int httpPort,
        Dictionary<string, string> shared, Dictionary<string, string> own)
    {
        var env = new Dictionary<string, string>(shared) { ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{httpPort}" };
        foreach (var (k, v) in own) env[k] = v;
        var process = ServiceProcess.Start(name, ServiceProcess.BuildOutput(projectDir, assembly), env, LogDirectory);
        _processes.Add(process);
        await process.WaitUntilAnswersAsync($"http://127.0.0.1:{httpPort}/health/live", TimeSpan.FromSeconds(60));
        return process;
    }

    /// <summary>The last lines every process logged, for a failing assertion's message.</summary>
    public string Logs() => string.Join("\n\n", _processes.Select(p => $"--- {p.Name} ---\n{p.Tail(30)}"));

    public async Task DisposeAsync()
    {
        foreach (var p in _processes) await p.DisposeAsync();
        await Servers.DisposeAsync();
        // Logs are kept only when asked for (JINDU_KEEP_LOGS=1); failing tests already quote them.
        if (Environment.GetEnvironmentVariable("JINDU_KEEP_LOGS") != "1")
        {
            try { Directory.Delete(LogDirectory, recursive: true); }
            catch (IOException) { }
        }
    }
}

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
    /// <summary>How each process was started, so a test can stop one and start it again exactly the same way.</summary>
    private readonly Dictionary<string, (string Dll, IReadOnlyDictionary<string, string> Environment, string ReadyUrl)> _launches = new();

    public RealServers Servers { get; } = new();
    public string GatewayUrl { get; private set; } = "";
    /// <summary>The gateway's HTTP/2 listener, for gRPC clients (couriers' feeds and referral streams).</summary>
    public string GatewayGrpcUrl { get; private set; } = "";
    /// <summary>The Screening service's own address, for calls that bypass the gateway (benchmarks, readiness).</summary>
    public string ScreeningUrl { get; private set; } = "";
    public string LeadsUrl { get; private set; } = "";
    public string CooperationUrl { get; private set; } = "";
    /// <summary>Leads' own database, for tests that check what it stored beyond what its API shows.</summary>
    public string LeadsDatabase { get; private set; } = "";
    /// <summary>Cooperation's own database, for tests that check what it stored beyond what its API shows.</summary>
    public string CooperationDatabase { get; private set; } = "";
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
        int screeningGrpc = FreePort.Next(), gatewayGrpc = FreePort.Next(), cooperationGrpc = FreePort.Next();
        GatewayGrpcUrl = $"http://127.0.0.1:{gatewayGrpc}";
        ScreeningUrl = $"http://127.0.0.1:{screeningHttp}";
        LeadsUrl = $"http://127.0.0.1:{leadsHttp}";
        CooperationUrl = $"http://127.0.0.1:{cooperationHttp}";
        var leads = await LaunchServiceAsync("leads", "services/Leads/JinDu.Leads", "JinDu.Leads", leadsHttp, shared, new()
        {
            ["ConnectionStrings__Leads"] = LeadsDatabase = await Servers.CreatePostgresDatabaseAsync("leads"),
            // gRPC needs HTTP/2, which Kestrel speaks without TLS only on an HTTP/2-only endpoint.
            ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{leadsGrpc}",
            ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
        });
        var screening = await LaunchServiceAsync("screening", "services/Screening/JinDu.Screening", "JinDu.Screening", screeningHttp, shared, new()
        {
            ["ConnectionStrings__Screening"] = await Servers.CreatePostgresDatabaseAsync("screening"),
            ["Services__Leads"] = $"http://127.0.0.1:{leadsGrpc}",
            ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{screeningGrpc}",
            ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
        });
        var cooperation = await LaunchServiceAsync("cooperation", "services/Cooperation/JinDu.Cooperation", "JinDu.Cooperation", cooperationHttp, shared, new()
        {
            ["ConnectionStrings__Cooperation"] = CooperationDatabase = await Servers.CreatePostgresDatabaseAsync("cooperation"),
            // The operator's allow-list lets webhooks reach receivers that tests run on loopback.
            ["Webhooks__AllowedHosts__0"] = "127.0.0.1",
            // Heartbeats every 2 s instead of 15, so a test sees one through the gateway without waiting.
            ["Notifications__HeartbeatInterval"] = "00:00:02",
            ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{cooperationGrpc}",
            ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
        });
        var gatewayDll = ServiceProcess.BuildOutput("gateway/JinDu.Gateway", "JinDu.Gateway");
        var gatewayEnvironment = new Dictionary<string, string>
        {
            // REST on HTTP/1.1 and gRPC on an HTTP/2-only listener: cleartext Kestrel cannot offer both on one port.
            ["Kestrel__Endpoints__Http__Url"] = GatewayUrl,
            ["Kestrel__Endpoints__Grpc__Url"] = GatewayGrpcUrl,
            ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            ["Auth__Mode"] = "Embedded",
            ["Auth__Issuer"] = GatewayUrl,
            ["Auth__LocalIssuer__KeyFile"] = Path.Combine(LogDirectory, "issuer.pem"),
            ["ReverseProxy__Clusters__screening__Destinations__primary__Address"] = $"http://127.0.0.1:{screeningHttp}",
            ["ReverseProxy__Clusters__leads__Destinations__primary__Address"] = $"http://127.0.0.1:{leadsHttp}",
            ["ReverseProxy__Clusters__leads-grpc__Destinations__primary__Address"] = $"http://127.0.0.1:{leadsGrpc}",
            ["ReverseProxy__Clusters__screening-grpc__Destinations__primary__Address"] = $"http://127.0.0.1:{screeningGrpc}",
            ["ReverseProxy__Clusters__cooperation__Destinations__primary__Address"] = $"http://127.0.0.1:{cooperationHttp}",
            ["ReverseProxy__Clusters__cooperation-grpc__Destinations__primary__Address"] = $"http://127.0.0.1:{cooperationGrpc}",
        };
        var gateway = ServiceProcess.Start("gateway", gatewayDll, gatewayEnvironment, LogDirectory);
        _launches["gateway"] = (gatewayDll, gatewayEnvironment, GatewayUrl + "/health/ready");
        _processes.Add(gateway);
        await gateway.WaitUntilAnswersAsync(GatewayUrl + "/health/ready", TimeSpan.FromSeconds(60));
        // Every service is ready (database migrated, broker connected) before a test starts.
        foreach (var (p, port) in new[] { (leads, leadsHttp), (screening, screeningHttp), (cooperation, cooperationHttp) })
            await p.WaitUntilAnswersAsync($"http://127.0.0.1:{port}/health/ready", TimeSpan.FromSeconds(90));
    }

    private async Task<ServiceProcess> LaunchServiceAsync(string name, string projectDir, string assembly, int httpPort,
        Dictionary<string, string> shared, Dictionary<string, string> own)
    {
        var env = new Dictionary<string, string>(shared) { ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{httpPort}" };
        foreach (var (k, v) in own) env[k] = v;
        var dll = ServiceProcess.BuildOutput(projectDir, assembly);
        var process = ServiceProcess.Start(name, dll, env, LogDirectory);
        _launches[name] = (dll, env, $"http://127.0.0.1:{httpPort}/health/ready");
        _processes.Add(process);
        await process.WaitUntilAnswersAsync($"http://127.0.0.1:{httpPort}/health/live", TimeSpan.FromSeconds(60));
        return process;
    }

    /// <summary>
    /// Kills one process (<c>leads</c>, <c>screening</c>, <c>cooperation</c> or <c>gateway</c>) as a crash would, for tests of
    /// what the others do without it. Restore it with <see cref="StartServiceAsync"/>, in a finally block, so the
    /// collection's other tests find the platform whole.
    /// </summary>
    public async Task StopServiceAsync(string name)
    {
        var process = Running(name) ?? throw new InvalidOperationException($"{name} is not running");
        await process.DisposeAsync();
    }

    /// <summary>
    /// Starts a stopped process again with the same build, environment and ports, and waits until it is ready
    /// (database migrated, broker connected). Its log continues in the same file. <paramref name="changes"/>
    /// alter its environment for this start only (e.g. a server address that answers nobody); start it again
    /// without them to restore it.
    /// </summary>
    public async Task StartServiceAsync(string name, IReadOnlyDictionary<string, string>? changes = null)
    {
        if (!_launches.TryGetValue(name, out var launch))
            throw new ArgumentException($"no process named {name} (there are: {string.Join(", ", _launches.Keys)})", nameof(name));
        if (Running(name) is not null) throw new InvalidOperationException($"{name} is already running");
        var environment = new Dictionary<string, string>(launch.Environment);
        foreach (var (key, value) in changes ?? new Dictionary<string, string>()) environment[key] = value;
        var process = ServiceProcess.Start(name, launch.Dll, environment, LogDirectory, append: true);
        var index = _processes.FindIndex(p => p.Name == name);
        if (index >= 0) _processes[index] = process;
        else _processes.Add(process);
        await process.WaitUntilAnswersAsync(launch.ReadyUrl, TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// Stops the process if it is running and starts it again, with <paramref name="changes"/> to its environment for
    /// this start only. Restarting without changes, in a finally block, restores it however far the test got.
    /// </summary>
    public async Task RestartServiceAsync(string name, IReadOnlyDictionary<string, string>? changes = null)
    {
        if (Running(name) is { } process) await process.DisposeAsync();
        await StartServiceAsync(name, changes);
    }

    private ServiceProcess? Running(string name)
    {
        if (!_launches.ContainsKey(name))
            throw new ArgumentException($"no process named {name} (there are: {string.Join(", ", _launches.Keys)})", nameof(name));
        return _processes.FirstOrDefault(p => p.Name == name && !p.HasExited);
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

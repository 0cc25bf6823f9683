using System.Reflection;
using System.Text;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;
using Testcontainers.Redis;
using Xunit;

namespace JinDu.Testing;

/// <summary>Where the servers of a <see cref="RealServers"/> came from.</summary>
public enum RealServersSource
{
    /// <summary>Started by someone else; found in the JINDU_TEST_* environment variables.</summary>
    Environment,

    /// <summary>Testcontainers, on a Docker engine that answered.</summary>
    Docker,

    /// <summary>Throwaway local processes started by infra/test-servers/up.sh.</summary>
    LocalProcesses,
}

/// <summary>
/// Real PostgreSQL 15, Redis 7 and RabbitMQ servers for integration tests (an xunit class,
/// collection or assembly fixture). In order of preference it uses:
/// <list type="number">
/// <item>servers named by JINDU_TEST_POSTGRES, JINDU_TEST_REDIS and JINDU_TEST_RABBITMQ
/// (e.g. started once for a whole CI run with <c>infra/test-servers/up.sh DIR</c>, whose
/// DIR/servers.export.sh sets them; JINDU_TEST_SERVERS_DIR=DIR lets tests stop and start the broker);</item>
/// <item>Testcontainers when a Docker engine answers;</item>
/// <item>throwaway local processes from <c>infra/test-servers/up.sh</c> in a fresh temp folder,
/// stopped again by <see cref="DisposeAsync"/>.</item>
/// </list>
/// Set JINDU_TEST_SERVERS_MODE=local or =docker to skip the Docker probe or the local fallback.
/// It never skips tests: when no servers can be had, <see cref="InitializeAsync"/> throws and says
/// how to get them.
/// </summary>
public sealed class RealServers : IAsyncLifetime
{
    public const string PostgresVariable = "JINDU_TEST_POSTGRES";
    public const string RedisVariable = "JINDU_TEST_REDIS";
    public const string RabbitMqVariable = "JINDU_TEST_RABBITMQ";
    public const string RabbitMqNodeVariable = "JINDU_TEST_RABBITMQ_NODE";
    public const string ServersDirVariable = "JINDU_TEST_SERVERS_DIR";
    public const string ModeVariable = "JINDU_TEST_SERVERS_MODE";

    private const string HowToGetServers =
        "Integration tests need real PostgreSQL 15, Redis and RabbitMQ servers. Get them in one of these ways:\n" +
        "  - install the server packages so infra/test-servers/up.sh can start throwaway ones: " +
        "apt-get install -y rabbitmq-server redis-server postgresql-15 (as root; up.sh does this itself when run as root);\n" +
        "  - start a Docker engine, for Testcontainers;\n" +
        "  - or start servers yourself and set JINDU_TEST_POSTGRES, JINDU_TEST_REDIS and JINDU_TEST_RABBITMQ " +
        "(e.g. run infra/test-servers/up.sh DIR and source DIR/servers.export.sh).";

    private static readonly TimeSpan UpTimeout = TimeSpan.FromMinutes(10); // includes a possible apt-get install, perhaps after another one
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);

    private PostgreSqlContainer? _postgresContainer;
    private RedisContainer? _redisContainer;
    private RabbitMqContainer? _rabbitContainer;
    private string? _localDir;
    private string? _scriptsDir;
    private string? _postgres;
    private string? _redis;
    private string? _rabbit;
    private bool _disposed;

    public RealServersSource Source { get; private set; }

    /// <summary>amqp://user:password@host:port/ of the broker.</summary>
    public string RabbitMqUri => _rabbit ?? throw NotInitialized();

    /// <summary>host:port, for StackExchange.Redis' ConnectionMultiplexer.Connect.</summary>
    public string RedisConfiguration => _redis ?? throw NotInitialized();

    /// <summary>Npgsql connection string of the server (maintenance database "postgres").</summary>
    public string PostgresServerConnectionString => _postgres ?? throw NotInitialized();

    /// <summary>The folder holding the local servers' data and logs (local processes, or JINDU_TEST_SERVERS_DIR).</summary>
    public string? ServersDirectory { get; private set; }

    public async Task InitializeAsync()
    {
        if (FromEnvironment())
        {
            return;
        }

        var mode = Environment.GetEnvironmentVariable(ModeVariable)?.Trim().ToLowerInvariant();
        if (mode is not (null or "" or "local" or "docker"))
        {
            throw new InvalidOperationException($"{ModeVariable}={mode} is not understood: use 'local', 'docker' or leave it unset.");
        }

        if (mode == "docker" || (mode != "local" && DockerAnswers()))
        {
            await StartContainersAsync().ConfigureAwait(false);
            return;
        }

        await StartLocalAsync().ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;

        foreach (var container in new IAsyncDisposable?[] { _rabbitContainer, _redisContainer, _postgresContainer })
        {
            if (container is not null)
            {
                await container.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (_localDir is not null)
        {
            var down = await RunScriptAsync("down.sh", [_localDir], ScriptTimeout).ConfigureAwait(false);
            if (!down.Succeeded)
            {
                throw new InvalidOperationException(
                    $"infra/test-servers/down.sh {_localDir} failed; servers may still run (data and logs kept in {_localDir}):\n{down.Tail()}");
            }
            if (Environment.GetEnvironmentVariable("JINDU_TEST_KEEP_SERVERS_DIR") != "1")
            {
                TryDelete(_localDir);
            }
        }
    }

    /// <summary>
    /// Creates a fresh, empty database with a unique lower-case name starting with
    /// <paramref name="prefix"/>, and returns an Npgsql connection string for it.
    /// </summary>
    public async Task<string> CreatePostgresDatabaseAsync(string prefix)
    {
        var name = DatabaseName(prefix);
        var admin = new NpgsqlConnectionStringBuilder(PostgresServerConnectionString) { Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        return new NpgsqlConnectionStringBuilder(PostgresServerConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Takes the broker away: connections drop and new ones are refused until <see cref="StartBrokerAsync"/>.
    /// For local servers this stops the RabbitMQ application (the Erlang node stays, so the port
    /// and <see cref="RabbitMqUri"/> do not change). For a container it stops the container.
    /// </summary>
    public async Task StopBrokerAsync()
    {
        if (_rabbitContainer is not null)
        {
            await _rabbitContainer.StopAsync().ConfigureAwait(false);
            return;
        }
        (await RunScriptAsync("rabbit.sh", [BrokerDirectory(), "stop_app"], ScriptTimeout).ConfigureAwait(false)).EnsureSuccess();
    }

    /// <summary>Brings the broker back; returns once it accepts AMQP connections again.</summary>
    public async Task StartBrokerAsync()
    {
        if (_rabbitContainer is not null)
        {
            // The container's AMQP port is bound to a fixed host port (see StartContainersAsync), so
            // RabbitMqUri stays valid after a restart. Its wait strategy runs again on start.
            await _rabbitContainer.StartAsync().ConfigureAwait(false);
            return;
        }
        (await RunScriptAsync("rabbit.sh", [BrokerDirectory(), "start_app"], ScriptTimeout).ConfigureAwait(false)).EnsureSuccess();
    }

    /// <summary>The broker's queues as rabbitmqctl reports them (JSON): name, type, arguments, ready messages.</summary>
    public async Task<System.Text.Json.Nodes.JsonArray> ListQueuesAsync()
    {
        string json;
        if (_rabbitContainer is not null)
        {
            var exec = await _rabbitContainer.ExecAsync(["rabbitmqctl", "-q", "list_queues", "name", "type", "arguments", "messages", "--formatter", "json"]).ConfigureAwait(false);
            json = exec.Stdout;
        }
        else
        {
            json = (await RunScriptAsync("rabbit.sh", [BrokerDirectory(), "list_queues"], ScriptTimeout).ConfigureAwait(false)).EnsureSuccess().StdOut;
        }
        return System.Text.Json.Nodes.JsonNode.Parse(json)!.AsArray();
    }

    // ---- the three sources --------------------------------------------------------------------

    private bool FromEnvironment()
    {
        var values = new[] { PostgresVariable, RedisVariable, RabbitMqVariable }
            .ToDictionary(n => n, n => Environment.GetEnvironmentVariable(n));
        var set = values.Where(kv => !string.IsNullOrWhiteSpace(kv.Value)).Select(kv => kv.Key).ToList();
        if (set.Count == 0)
        {
            return false;
        }
        if (set.Count < values.Count)
        {
            var missing = values.Keys.Except(set);
            throw new InvalidOperationException(
                $"{string.Join(", ", set)} set but {string.Join(", ", missing)} not: set all three, or none to let the tests start servers.\n{HowToGetServers}");
        }

        Source = RealServersSource.Environment;
        _postgres = AdminConnectionString(values[PostgresVariable]!);
        _redis = values[RedisVariable];
        _rabbit = values[RabbitMqVariable];
        var dir = Environment.GetEnvironmentVariable(ServersDirVariable);
        ServersDirectory = string.IsNullOrWhiteSpace(dir) ? null : dir;
        return true;
    }

    private static bool DockerAnswers()
    {
        try
        {
            return TestcontainersSettings.OS.DockerEndpointAuthConfig != null;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private async Task StartContainersAsync()
    {
        Source = RealServersSource.Docker;
        try
        {
            _postgresContainer = new PostgreSqlBuilder("postgres:15").Build();
            _redisContainer = new RedisBuilder("redis:7").Build();
            // A fixed host port, so that StopBrokerAsync/StartBrokerAsync keep the same URI (a
            // random binding would change on restart). It is free now; another process could in
            // theory take it in the moment before Docker binds it.
            _rabbitContainer = new RabbitMqBuilder("rabbitmq:3.13-management")
                .WithPortBinding(FreePort.Next(), RabbitMqBuilder.RabbitMqPort)
                .Build();
            await Task.WhenAll(_postgresContainer.StartAsync(), _redisContainer.StartAsync(), _rabbitContainer.StartAsync())
                .ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"Starting the server containers failed: {e.Message}\n{HowToGetServers}", e);
        }
        _postgres = AdminConnectionString(_postgresContainer.GetConnectionString());
        _redis = _redisContainer.GetConnectionString();
        // The image's user is not 'guest' (RabbitMQ lets guest in only over loopback, and a
        // container sees the host as remote); the URI carries the container's own credentials.
        _rabbit = _rabbitContainer.GetConnectionString();
    }

    private async Task StartLocalAsync()
    {
        Source = RealServersSource.LocalProcesses;
        var dir = Directory.CreateTempSubdirectory("jindu-servers-").FullName;
        ProcessResult up;
        try
        {
            _scriptsDir = FindScriptsDirectory();
            up = await RunScriptAsync("up.sh", [dir], UpTimeout).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            TryDelete(dir);
            throw new InvalidOperationException($"{e.Message}\n{HowToGetServers}", e);
        }

        if (!up.Succeeded)
        {
            // up.sh stops what it started when it fails; down.sh again in case it was killed.
            var down = await RunScriptAsync("down.sh", [dir], ScriptTimeout).ConfigureAwait(false);
            if (down.Succeeded)
            {
                TryDelete(dir);
            }
            var why = up.TimedOut ? $"did not finish within {UpTimeout.TotalMinutes} min" : $"failed (exit code {up.ExitCode})";
            throw new InvalidOperationException(
                $"No Docker engine answered, and infra/test-servers/up.sh {dir} {why}. Its output ends with:\n{up.Tail(40)}\n\n{HowToGetServers}");
        }

        _localDir = dir;
        ServersDirectory = dir;
        var env = ReadEnvFile(Path.Combine(dir, "servers.env"));
        _postgres = AdminConnectionString(env[PostgresVariable]);
        _redis = env[RedisVariable];
        _rabbit = env[RabbitMqVariable];
    }

    // ---- helpers --------------------------------------------------------------------------------

    private string BrokerDirectory() =>
        ServersDirectory ?? throw new InvalidOperationException(
            $"The broker at {RabbitMqUri} was not started by these tests and {ServersDirVariable} is not set, so it cannot be " +
            $"stopped and started. Set {ServersDirVariable} to the folder given to infra/test-servers/up.sh.");

    private async Task<ProcessResult> RunScriptAsync(string script, string[] args, TimeSpan timeout)
    {
        _scriptsDir ??= FindScriptsDirectory();
        var bash = File.Exists("/bin/bash") ? "/bin/bash" : "bash";
        return await ProcessRunner.RunAsync(bash, [Path.Combine(_scriptsDir, script), .. args], timeout).ConfigureAwait(false);
    }

    /// <summary>
    /// infra/test-servers of this repo: JINDU_REPO_ROOT, else walking up from the test assembly's
    /// folder and from the current folder, else the repo this library was built from.
    /// </summary>
    private static string FindScriptsDirectory()
    {
        var tried = new List<string>();
        var candidates = new List<string?> { Environment.GetEnvironmentVariable("JINDU_REPO_ROOT") };
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "infra", "test-servers", "up.sh")) ||
                    File.Exists(Path.Combine(d.FullName, "JinDu.Platform.sln")))
                {
                    candidates.Add(d.FullName);
                    break;
                }
            }
        }
        candidates.Add(typeof(RealServers).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "JinDuRepoRoot")?.Value);

        foreach (var root in candidates.Where(c => !string.IsNullOrWhiteSpace(c)))
        {
            var scripts = Path.Combine(root!, "infra", "test-servers");
            if (File.Exists(Path.Combine(scripts, "up.sh")))
            {
                return scripts;
            }
            tried.Add(scripts);
        }
        throw new InvalidOperationException(
            "Could not find infra/test-servers/up.sh (set JINDU_REPO_ROOT to the repository root). Looked in: " +
            (tried.Count == 0 ? $"the parents of {AppContext.BaseDirectory} and {Environment.CurrentDirectory}" : string.Join(", ", tried)));
    }

    private static Dictionary<string, string> ReadEnvFile(string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(path))
        {
            var eq = line.IndexOf('=');
            if (eq > 0 && !line.StartsWith('#'))
            {
                result[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }
        foreach (var key in new[] { PostgresVariable, RedisVariable, RabbitMqVariable })
        {
            if (!result.ContainsKey(key))
            {
                throw new InvalidOperationException($"{path} has no {key} line");
            }
        }
        return result;
    }

    private static string AdminConnectionString(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" }.ConnectionString;

    private static string DatabaseName(string prefix)
    {
        var clean = new StringBuilder();
        foreach (var c in (prefix ?? "").ToLowerInvariant())
        {
            clean.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' ? c : '_');
        }
        var head = clean.ToString().Trim('_');
        if (head.Length == 0 || char.IsDigit(head[0]))
        {
            head = "db_" + head;
        }
        if (head.Length > 40)
        {
            head = head[..40];
        }
        return $"{head}_{Guid.NewGuid():N}"[..(head.Length + 1 + 16)];
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception)
        {
            // A leftover temp folder is harmless; the servers are already stopped.
        }
    }

    private static InvalidOperationException NotInitialized() =>
        new("RealServers is not started: use it as an xunit fixture or await InitializeAsync() first.");
}

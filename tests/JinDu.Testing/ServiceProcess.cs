using System.Diagnostics;
using System.Text;

namespace JinDu.Testing;

/// <summary>
/// One platform process (a service or the gateway) started from its build output with its own
/// environment, its output kept in a log file so a failing test can show what the process said.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    public string Name { get; }
    public string LogPath { get; }

    private ServiceProcess(string name, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    /// <summary>The repository root: the folder holding JinDu.Platform.sln.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "JinDu.Platform.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find JinDu.Platform.sln above " + AppContext.BaseDirectory);
    }

    /// <summary>The build output of a project, in the same configuration as the running tests.</summary>
    public static string BuildOutput(string projectDirectory, string assemblyName)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(RepoRoot(), projectDirectory, "bin", configuration, "net10.0", assemblyName + ".dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing: build the solution first (dotnet build JinDu.Platform.sln)");
        return dll;
    }

    /// <param name="append">Keep what an earlier run of the same process logged (a restart) instead of starting the log afresh.</param>
    public static ServiceProcess Start(string name, string dll, IReadOnlyDictionary<string, string> environment, string logDirectory,
        bool append = false)
    {
        Directory.CreateDirectory(logDirectory);
        var logPath = Path.Combine(logDirectory, name + ".log");
        var log = new StreamWriter(logPath, append, Encoding.UTF8) { AutoFlush = true };
        if (append) log.WriteLine($"===== {name} started again at {DateTimeOffset.UtcNow:O} =====");
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (k, v) in environment) info.Environment[k] = v;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        void Write(string? line)
        {
            if (line is null) return;
            lock (log) log.WriteLine(line);
        }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(name, process, log, logPath);
    }

    private bool _disposed;

    /// <summary>Whether the process has ended (or was stopped).</summary>
    public bool HasExited => _disposed || _process.HasExited;

    public string Tail(int lines = 60)
    {
        lock (_log)
        {
            if (!_disposed) _log.Flush();
        }
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var all = new StreamReader(stream).ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException ex)
        {
            return "(log unreadable: " + ex.Message + ")";
        }
    }

    /// <summary>Waits until GET <paramref name="url"/> answers 200, failing with the process's log when it dies or times out.</summary>
    public async Task WaitUntilAnswersAsync(string url, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_disposed) throw new InvalidOperationException($"{Name} was stopped while waiting for {url}");
            if (HasExited) throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} during start:\n{Tail()}");
            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Name} did not answer {url} within {timeout}:\n{Tail()}");
            await Task.Delay(200);
        }
    }

    /// <summary>Kills the process (and its children) as a crash would, and closes its log. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
            catch (InvalidOperationException) { }
            catch (OperationCanceledException) { }
        }
        _process.Dispose();
        lock (_log)
        {
            _disposed = true;
            _log.Dispose();
        }
    }
}

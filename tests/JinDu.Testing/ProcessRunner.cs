using System.Diagnostics;
using System.Text;

namespace JinDu.Testing;

/// <summary>What a finished (or timed-out) process left behind.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string StdOut, string StdErr, bool TimedOut, TimeSpan Elapsed)
{
    public bool Succeeded => !TimedOut && ExitCode == 0;

    /// <summary>The last <paramref name="lines"/> lines of stderr (stdout when stderr is empty).</summary>
    public string Tail(int lines = 40)
    {
        var text = string.IsNullOrWhiteSpace(StdErr) ? StdOut : StdErr;
        var all = text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    public ProcessResult EnsureSuccess()
    {
        if (!Succeeded)
        {
            var why = TimedOut ? $"timed out after {Elapsed.TotalSeconds:0.#} s" : $"exited with code {ExitCode}";
            throw new InvalidOperationException($"'{Command}' {why}:\n{Tail()}");
        }
        return this;
    }
}

/// <summary>Runs a command to completion, capturing stdout and stderr, with a timeout.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                {
                    psi.Environment.Remove(key);
                }
                else
                {
                    psi.Environment[key] = value;
                }
            }
        }

        var command = psi.ArgumentList.Count == 0 ? fileName : $"{fileName} {string.Join(' ', psi.ArgumentList)}";
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"could not start '{command}': {e.Message}", e);
        }
        process.StandardInput.Close();

        // Read both streams ourselves: WaitForExitAsync then returns on exit even if a daemon the
        // command started still holds the pipes; the reads get a short grace period after that.
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            try
            {
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Unkillable (e.g. stuck in the kernel): report the timeout anyway.
            }
            cancellationToken.ThrowIfCancellationRequested();
        }

        var streams = Task.WhenAll(stdout, stderr);
        await Task.WhenAny(streams, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        string Read(Task<string> t) => t.IsCompletedSuccessfully ? t.Result : "";

        return new ProcessResult(command, timedOut || !process.HasExited ? -1 : process.ExitCode, Read(stdout), Read(stderr), timedOut, watch.Elapsed);
    }

    public static Task<ProcessResult> RunAsync(string fileName, params string[] arguments) =>
        RunAsync(fileName, arguments, TimeSpan.FromMinutes(2));
}

using System.Globalization;

namespace JinDu.Benchmarks;

/// <summary>One benchmark, named on the command line.</summary>
public interface IBenchmarkCommand
{
    string Name { get; }
    string Summary { get; }
    string Usage { get; }

    /// <summary>Returns the process exit code: 0 when the run was clean, 1 when it had errors.</summary>
    Task<int> RunAsync(Options options, CancellationToken cancellationToken);
}

/// <summary>
/// "--name value" options. A command reads the ones it knows; <see cref="EnsureAllRead"/> then refuses
/// any it did not, so a typo is not silently ignored.
/// </summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = [];

    public bool Help { get; private set; }

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a is "-h" or "--help")
            {
                o.Help = true;
                continue;
            }
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2)
                throw new ArgumentException($"'{a}' is not an option (options look like --seconds 15)");
            var eq = a.IndexOf('=');
            if (eq > 0)
                o._values[a[2..eq]] = a[(eq + 1)..];
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                o._values[a[2..]] = args[++i];
            else
                throw new ArgumentException($"{a} needs a value");
        }
        return o;
    }

    public int Int(string name, int defaultValue, int min, int max)
    {
        var v = Double(name, defaultValue, min, max);
        if (v != Math.Floor(v)) throw new ArgumentException($"--{name} must be a whole number");
        return (int)v;
    }

    public double Double(string name, double defaultValue, double min, double max)
    {
        _read.Add(name);
        if (!_values.TryGetValue(name, out var text)) return defaultValue;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw new ArgumentException($"--{name} '{text}' is not a number");
        if (v < min || v > max) throw new ArgumentException($"--{name} must be between {min} and {max}");
        return v;
    }

    public string? String(string name)
    {
        _read.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public void EnsureAllRead()
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"unknown option(s): {string.Join(", ", unknown.Select(k => "--" + k))}");
    }
}

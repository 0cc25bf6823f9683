using System.Text;

namespace JinDu.Benchmarks;

/// <summary>
/// Each command's results file (results/{command}.md): a header naming the command and its goal the first time, then
/// one section per run that starts with the time and the machine; the command adds its figures and <see cref="Append"/>s it.
/// </summary>
public static class ResultsFile
{
    public static StringBuilder Section(string file, string command, MachineDescription machine, params string[] about)
    {
        var b = new StringBuilder();
        if (!File.Exists(file))
        {
            b.AppendLine($"# {command} results");
            b.AppendLine();
            b.AppendLine($"Written by `dotnet run -c Release --project tests/JinDu.Benchmarks -- {command}`; every run appends a section.");
            foreach (var line in about) b.AppendLine(line);
        }
        b.AppendLine();
        b.AppendLine($"## {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        b.AppendLine();
        b.AppendLine($"- Machine: {machine.Summary}{(machine.LoadAverage is { } load ? $"; load average {load:0.00} at the start" : "")}");
        return b;
    }

    public static void Append(string file, StringBuilder section)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.AppendAllText(file, section.ToString());
    }
}

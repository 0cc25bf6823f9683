using System.Runtime.InteropServices;
using JinDu.Benchmarks;

// Benchmark commands (DESIGN.md §7). Each one starts what it measures on loopback, measures it side by
// side with its baseline in the same run, prints ratios first, and appends its figures to results/.
//   dotnet run -c Release --project tests/JinDu.Benchmarks -- <command> [options]
IBenchmarkCommand[] commands =
[
    new GatewayOverheadCommand(),
    new IdleCpuCommand(),
    new CpuCheckCommand(),
    new FeedIngestCommand(),
    new InspectionRateCommand(),
    new MemorySoakCommand(),
    new WatchlistMatchCommand(),
    new CorrelationCommand(),
    new PartnerLatencyCommand(),
];

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    PrintUsage();
    return args.Length == 0 ? 2 : 0;
}

var command = commands.FirstOrDefault(c => c.Name == args[0]);
if (command is null)
{
    Console.Error.WriteLine($"unknown command '{args[0]}'.");
    PrintUsage();
    return 2;
}

Options options;
try
{
    options = Options.Parse(args[1..]);
    if (options.Help)
    {
        Console.WriteLine($"{command.Name}: {command.Summary}\n\n{command.Usage}");
        return 0;
    }
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"{command.Name}: {ex.Message}\n\n{command.Usage}");
    return 2;
}

// Ctrl+C or a plain kill (SIGTERM) ends the load and still stops the servers and processes the command
// started; without this a killed run left PostgreSQL, RabbitMQ and the four services running.
using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    Console.Error.WriteLine("stopping: the servers and services are being shut down…");
    stop.Cancel();
}
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

try
{
    return await command.RunAsync(options, stop.Token);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"{command.Name}: {ex.Message}\n\n{command.Usage}");
    return 2;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled.");
    return 130;
}

void PrintUsage()
{
    Console.WriteLine("usage: dotnet run -c Release --project tests/JinDu.Benchmarks -- <command> [options]\n\ncommands:");
    foreach (var c in commands) Console.WriteLine($"  {c.Name,-20} {c.Summary}");
    Console.WriteLine("\n<command> --help shows its options.");
}

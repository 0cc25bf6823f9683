using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using JinDu.Testing;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace JinDu.Benchmarks;

/// <summary>
/// Issue 4 "correlation throughput": InspectionFlagged events through RabbitMQ into Leads (each one a new lead, or a
/// timeline entry on the agency's open lead with the subject, plus correlation links and notices), at least half the
/// rate at which the raw RabbitMQ client consumes the same message bodies. In one run against one platform: the raw
/// client first (a fresh quorum queue, consumer running, the bodies published, manual acks), then the same bodies
/// published to the exchange Leads consumes from, timed from the first publish until Leads' inbox holds every flag.
/// The bodies are MassTransit JSON envelopes built by hand, so the benchmark needs neither the Screening contracts
/// nor a bus of its own; the exchange is checked to exist (Leads declared and bound it) before anything is sent.
/// </summary>
public sealed class CorrelationCommand : IBenchmarkCommand
{
    public string Name => "correlation";
    public string Summary => "InspectionFlagged events through RabbitMQ into Leads vs. the raw RabbitMQ client's consume rate (goal: ratio >= 0.5)";
    public string Usage => """
        options:
          --count N            flags published, and consumed by the raw client as the baseline (default 100000)
          --warmup-count N     flags through Leads first, not counted, other subjects (default 2000)
          --repeat-percent N   share of flags naming a subject of an earlier flag, so that they join or link leads (default 20)
          --prefetch N         the raw consumer's prefetch (default 16)
          --publishers N       publishes in flight at once, each confirmed by the broker (default 256)
          --pause-seconds N    idle time before each measured phase, for Leads' outbox (LeadCreated, WatchlistChanged,
                               notices) to drain what the phase before left (default 5)
          --max-seconds N      bound on each phase (default 900)
          --via exchange|queue where the flags are published: "exchange", the InspectionFlagged exchange as Screening
                               publishes them (Leads' queue and Cooperation's household-notice queue both get
                               them, so Cooperation consumes the same flood on the same cores); "queue", Leads'
                               queue alone through the default exchange, as the raw phase publishes (default exchange)
          --seed N             seed of the subjects (default 42)
          --results FILE       markdown file the run is appended to
                               (default tests/JinDu.Benchmarks/results/correlation.md)
        """;

    /// <summary>MassTransit's publish exchange for the message type: its full name, namespace:type.</summary>
    public const string Exchange = "JinDu.Screening.Contracts.Events:InspectionFlagged";
    /// <summary>Leads' receive endpoint for flags (KebabCaseEndpointNameFormatter with the "leads" prefix).</summary>
    public const string LeadsQueue = "leads-flag-to-lead";
    private const string FlagConsumer = "FlagToLeadConsumer";
    private static readonly string[] Agencies = ["522722", "522726", "522701"];
    private static readonly string[] Results = ["suspicious", "positive_test", "seizure"];
    private static readonly string[] CpuColumns = ["client", "leads", "cooperation", "postgres", "rabbitmq", "redis", "screening", "gateway", "other"];

    public sealed record Parameters(int Count, int WarmupCount, double RepeatPercent, int Prefetch, int Publishers, double PauseSeconds, double MaxSeconds, int Seed, string Via = "exchange");

    public async Task<int> RunAsync(Options options, CancellationToken ct)
    {
        var p = new Parameters(
            Count: options.Int("count", 100_000, 100, 2_000_000),
            WarmupCount: options.Int("warmup-count", 2_000, 0, 100_000),
            RepeatPercent: options.Double("repeat-percent", 20, 0, 90),
            Prefetch: options.Int("prefetch", 16, 1, 10_000),
            Publishers: options.Int("publishers", 256, 1, 10_000),
            PauseSeconds: options.Double("pause-seconds", 5, 0, 120),
            MaxSeconds: options.Double("max-seconds", 900, 10, 7200),
            Seed: options.Int("seed", 42, 0, int.MaxValue - 10),
            Via: options.String("via") ?? "exchange");
        if (p.Via is not ("exchange" or "queue")) throw new ArgumentException("--via takes exchange or queue");
        var resultsFile = options.String("results")
                          ?? Path.Combine(ServiceProcess.RepoRoot(), "tests", "JinDu.Benchmarks", "results", "correlation.md");
        options.EnsureAllRead();

        var machine = MachineDescription.Current();
        Console.WriteLine($"correlation: {machine.Summary}");
        Console.WriteLine($"  {p.Count:N0} InspectionFlagged into Leads and through the raw RabbitMQ client; {p.RepeatPercent:0}% repeated subjects; warm-up {p.WarmupCount:N0}");
        return await BenchmarkPlatform.RunAsync(Name, machine, (platform, _) => MeasureAsync(platform, p, machine, resultsFile, ct), ct);
    }

    private static async Task<int> MeasureAsync(DistributedPlatform platform, Parameters p, MachineDescription machine, string resultsFile, CancellationToken ct)
    {
        var cpu = CpuSampler.Create(platform.Servers.ServersDirectory);
        var admin = new NpgsqlConnectionStringBuilder(platform.Servers.PostgresServerConnectionString) { Pooling = false }.ConnectionString;
        var leadsDb = await LeadsDatabaseAsync(admin, ct) ?? throw new InvalidOperationException("no leads database on the server");
        var leadsConnection = new NpgsqlConnectionStringBuilder(admin) { Database = leadsDb }.ConnectionString;

        // The bodies, made before anything is timed.
        var (bodies, expectedLeads) = Flags(p.Count, p.RepeatPercent / 100, p.Seed);
        var (warmupBodies, _) = Flags(p.WarmupCount, p.RepeatPercent / 100, p.Seed + 1);
        Console.WriteLine($"  {bodies.Count:N0} envelopes of {bodies.Average(b => b.Length):0} bytes on average; {expectedLeads:N0} distinct (agency, subject) pairs");

        var factory = new ConnectionFactory { Uri = new Uri(platform.Servers.RabbitMqUri), ClientProvidedName = "jindu-benchmark-correlation" };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
        await publisher.ExchangeDeclarePassiveAsync(Exchange, ct);
        await publisher.QueueDeclarePassiveAsync(LeadsQueue, ct);

        // Warm-up: Leads' consumer, its database plans and the JIT, through the same path, not counted.
        if (warmupBodies.Count > 0)
        {
            var w = await IntoLeadsAsync(publisher, warmupBodies, leadsConnection, p, null, ct);
            Console.WriteLine($"  warm-up: {warmupBodies.Count:N0} flags into Leads at {w.Rate:0}/s");
            await RawAsync(connection, publisher, warmupBodies, p, null, ct);
        }

        // 1. The baseline: the raw client consuming the same bodies from a fresh quorum queue (Leads' queues are quorum queues).
        await Task.Delay(TimeSpan.FromSeconds(p.PauseSeconds), ct);
        var raw = await RawAsync(connection, publisher, bodies, p, cpu, ct);
        Console.WriteLine($"  raw RabbitMQ consume      : {raw.Rate,8:0} msg/s  ({raw.Seconds:0.00} s; publishing took {raw.PublishSeconds:0.00} s){CpuLine(raw.Cpu)}");

        // 2. Leads.
        await Task.Delay(TimeSpan.FromSeconds(p.PauseSeconds), ct);
        var before = await CountsAsync(leadsConnection, ct);
        var leads = await IntoLeadsAsync(publisher, bodies, leadsConnection, p, cpu, ct);
        var after = await CountsAsync(leadsConnection, ct);
        Console.WriteLine($"  into Leads                : {leads.Rate,8:0} flags/s ({leads.Seconds:0.00} s; publishing took {leads.PublishSeconds:0.00} s){CpuLine(leads.Cpu)}");
        var outbox = await OutboxDrainAsync(leadsConnection, before, after, leads, p, ct);
        Console.WriteLine($"  Leads' outbox             : {outbox.Events:N0} events, {outbox.Unsent:N0} still unsent when the last flag was applied, all sent {outbox.DrainSeconds:0.00} s later: {outbox.Rate:0} events/s from the first flag");

        var result = new Result(p, machine, bodies.Count, expectedLeads, raw, leads, before, after, outbox);
        Console.WriteLine();
        Console.Write(result.Text());
        result.Append(resultsFile);
        Console.WriteLine($"results appended to {resultsFile}");
        return result.Clean ? 0 : 1;
    }

    public sealed record Phase(double Seconds, double PublishSeconds, long Done, bool Complete, CpuUsage? Cpu)
    {
        public double Rate => Done / Seconds;
    }

    /// <summary>Publishes the bodies to Leads' exchange and waits until Leads' inbox holds that many more flags.</summary>
    private static async Task<Phase> IntoLeadsAsync(IChannel publisher, IReadOnlyList<byte[]> bodies, string leadsConnection, Parameters p, CpuSampler? cpu, CancellationToken ct)
    {
        var start = (await CountsAsync(leadsConnection, ct)).Inbox;
        var before = cpu?.Take();
        var clock = Stopwatch.StartNew();
        if (p.Via == "queue") await PublishAsync(publisher, "", LeadsQueue, bodies, p.Publishers, ct);
        else await PublishAsync(publisher, Exchange, "", bodies, p.Publishers, ct);
        var published = clock.Elapsed.TotalSeconds;
        long done;
        while ((done = (await CountsAsync(leadsConnection, ct)).Inbox - start) < bodies.Count && clock.Elapsed.TotalSeconds < p.MaxSeconds)
            await Task.Delay(100, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        return new Phase(seconds, published, done, done >= bodies.Count, before is null ? null : cpu!.Take().Since(before));
    }

    /// <summary>
    /// A fresh quorum queue with a raw consumer (manual acks, <see cref="Parameters.Prefetch"/>) already listening; the
    /// bodies published to it through the default exchange; timed from the first publish to the last ack.
    /// </summary>
    private static async Task<Phase> RawAsync(IConnection connection, IChannel publisher, IReadOnlyList<byte[]> bodies, Parameters p, CpuSampler? cpu, CancellationToken ct)
    {
        var queue = "jindu-benchmark-raw-" + Guid.NewGuid().ToString("N")[..8];
        await using var consumerChannel = await connection.CreateChannelAsync(cancellationToken: ct);
        await consumerChannel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: ct);
        await consumerChannel.BasicQosAsync(0, (ushort)Math.Min(p.Prefetch, ushort.MaxValue), false, ct);
        long consumed = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (Interlocked.Increment(ref consumed) == bodies.Count) all.TrySetResult();
        };
        var tag = await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer, ct);

        var before = cpu?.Take();
        var clock = Stopwatch.StartNew();
        await PublishAsync(publisher, "", queue, bodies, p.Publishers, ct);
        var published = clock.Elapsed.TotalSeconds;
        await Task.WhenAny(all.Task, Task.Delay(TimeSpan.FromSeconds(p.MaxSeconds), ct));
        var seconds = clock.Elapsed.TotalSeconds;
        var usage = before is null ? null : cpu!.Take().Since(before);
        await consumerChannel.BasicCancelAsync(tag, cancellationToken: ct);
        await consumerChannel.QueueDeleteAsync(queue, cancellationToken: ct);
        var done = Interlocked.Read(ref consumed);
        return new Phase(seconds, published, done, done >= bodies.Count, usage);
    }

    /// <summary>Publishes with broker confirms, <paramref name="inFlight"/> at a time, as Screening's outbox publishes (confirmed).</summary>
    private static async Task PublishAsync(IChannel channel, string exchange, string routingKey, IReadOnlyList<byte[]> bodies, int inFlight, CancellationToken ct)
    {
        var pending = new List<Task>(inFlight);
        foreach (var body in bodies)
        {
            var properties = new BasicProperties
            {
                ContentType = "application/vnd.masstransit+json",
                DeliveryMode = DeliveryModes.Persistent,
                MessageId = Guid.NewGuid().ToString(),
            };
            pending.Add(channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, body, ct).AsTask());
            if (pending.Count >= inFlight)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
    }

    /// <summary>
    /// <paramref name="count"/> InspectionFlagged envelopes, one person subject each, over the three demo agencies; a
    /// <paramref name="repeatShare"/> of them name the subject of an earlier flag (in the same agency: the flag joins that
    /// lead; in another: a new lead linked to it). Also returns the distinct (agency, subject) pairs: the leads expected.
    /// </summary>
    private static (List<byte[]> Bodies, int DistinctPairs) Flags(int count, double repeatShare, int seed)
    {
        var random = new Random(seed);
        var subjects = new List<(string Token, string Masked, string Household)>();
        var pairs = new HashSet<(string, string)>();
        var bodies = new List<byte[]>(count);
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        for (var i = 0; i < count; i++)
        {
            var agency = Agencies[random.Next(Agencies.Length)];
            (string Token, string Masked, string Household) subject;
            if (subjects.Count > 0 && random.NextDouble() < repeatShare)
                subject = subjects[random.Next(subjects.Count)];
            else
            {
                var bytes = new byte[32];
                random.NextBytes(bytes);
                var household = Agencies[random.Next(Agencies.Length)];
                subject = (Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
                    $"{household[..4]}**********{random.Next(10_000):D4}", household);
                subjects.Add(subject);
            }
            pairs.Add((agency, subject.Token));
            var result = Results[random.Next(Results.Length)];
            var eventId = Guid.NewGuid();
            var message = new
            {
                eventId,
                occurredAt = now,
                producerAgency = agency,
                schemaVersion = 1,
                inspectionId = Guid.NewGuid(),
                checkpointId = Guid.Parse($"{agency}00-0000-4000-8000-000000000001"),
                checkpointName = $"{agency} 公安检查站",
                result,
                inspectedAt = now,
                subjects = new[] { new { kind = 0, token = subject.Token, masked = subject.Masked, householdCode = subject.Household } },
                seizures = result == "seizure" ? new[] { new { substance = "methamphetamine", grams = 12.5m } } : [],
            };
            // MassTransit's JSON envelope (application/vnd.masstransit+json), as Screening's bus sends it.
            bodies.Add(JsonSerializer.SerializeToUtf8Bytes(new
            {
                messageId = eventId,
                conversationId = Guid.NewGuid(),
                sourceAddress = "rabbitmq://localhost/jindu-benchmark",
                destinationAddress = $"rabbitmq://localhost/{Exchange}",
                messageType = new[] { "urn:message:JinDu.Screening.Contracts.Events:InspectionFlagged", "urn:message:JinDu.Contracts:IIntegrationEvent" },
                message,
                sentTime = DateTimeOffset.UtcNow,
                headers = new Dictionary<string, object>(),
            }));
        }
        return (bodies, pairs.Count);
    }

    public sealed record Counts(long Inbox, long Leads, long Timeline, long Links, long Outbox = 0, long Unsent = 0);

    /// <summary>How Leads' outbox kept up: the events the flags caused, and how long after the last flag it took to send them all.</summary>
    public sealed record Outbox(long Events, long Unsent, double DrainSeconds, double Rate, bool Drained);

    private static async Task<Outbox> OutboxDrainAsync(string leadsConnection, Counts before, Counts after, Phase leads, Parameters p, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var unsent = after.Unsent;
        while (unsent > 0 && clock.Elapsed.TotalSeconds < p.MaxSeconds)
        {
            await Task.Delay(100, ct);
            unsent = (await CountsAsync(leadsConnection, ct)).Unsent;
        }
        var events = after.Outbox - before.Outbox;
        // Events sent over the whole time from the first flag (what was unsent before the phase is sent too).
        var seconds = leads.Seconds + clock.Elapsed.TotalSeconds;
        return new Outbox(events, after.Unsent, clock.Elapsed.TotalSeconds, (events + before.Unsent) / seconds, unsent == 0);
    }

    private static async Task<Counts> CountsAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT (SELECT count(*) FROM inbox_messages WHERE "Consumer" = '{FlagConsumer}'),
                   (SELECT count(*) FROM leads),
                   (SELECT count(*) FROM lead_timeline WHERE "Action" IN ('created_from_flag', 'flag_joined')),
                   (SELECT count(*) FROM lead_links),
                   (SELECT count(*) FROM outbox_messages),
                   (SELECT count(*) FROM outbox_messages WHERE "SentAt" IS NULL)
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new Counts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
    }

    /// <summary>Leads' database on the server: the newest one whose name starts with "leads" (this platform made it last).</summary>
    private static async Task<string?> LeadsDatabaseAsync(string admin, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE 'leads%' ORDER BY oid DESC LIMIT 1", connection);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private static string CpuLine(CpuUsage? c) => c is null ? "" :
        $"  | CPU {c.MachineBusyCores:0.00} cores busy: " + string.Join(" ", CpuColumns.Select(g => $"{g} {c.Cores.GetValueOrDefault(g):0.00}")) +
        $"\n      other, by process: {OtherText(c)}";

    /// <summary>Which processes outside the platform made up "other" (what is left is the kernel's, e.g. loopback networking).</summary>
    private static string OtherText(CpuUsage c) => c.OtherTop.Count == 0 ? "—" :
        string.Join(", ", c.OtherTop.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Name} {o.Cores:0.00}")));

    private sealed record Result(Parameters P, MachineDescription Machine, int Count, int ExpectedLeads, Phase Raw, Phase Leads, Counts Before, Counts After, Outbox Outbox)
    {
        public double Ratio => Leads.Rate / Raw.Rate;
        private long Applied => After.Inbox - Before.Inbox;
        private long Timeline => After.Timeline - Before.Timeline;
        private long NewLeads => After.Leads - Before.Leads;
        public bool ExactlyOnce => Applied == Count && Timeline == Count;
        public bool Clean => Raw.Complete && Leads.Complete && ExactlyOnce;

        private string CountLine =>
            $"{Applied:N0} flags applied (inbox), {Timeline:N0} timeline entries from flags, for {Count:N0} published " +
            (ExactlyOnce ? "(each flag had its effect exactly once)" : "!! MISMATCH") +
            $"; {NewLeads:N0} new leads for {ExpectedLeads:N0} distinct (agency, subject) pairs" +
            (NewLeads == ExpectedLeads ? "" : $" ({NewLeads - ExpectedLeads:+#;-#;0}: flags of one subject applied concurrently each made a lead)") +
            $"; {After.Links - Before.Links:N0} lead links";

        private string OutboxLine =>
            $"Leads' outbox: {Outbox.Events:N0} events (LeadCreated, WatchlistChanged, LeadsCorrelated), {Outbox.Unsent:N0} unsent when the last flag was applied, " +
            (Outbox.Drained ? $"all sent {Outbox.DrainSeconds:0.0} s later: {Outbox.Rate:0} events/s from the first flag" : "!! not all sent in time");

        public string Text()
        {
            var b = new StringBuilder();
            if (!Clean) b.AppendLine($"!! NOT CLEAN: raw {Raw.Done:N0}/{Count:N0}, Leads {Leads.Done:N0}/{Count:N0}; {CountLine}");
            b.AppendLine($"RATIO Leads' flag consumption / raw RabbitMQ consume of the same messages: {Ratio:0.00}   (goal >= 0.5: {(Ratio >= 0.5 ? "met" : "NOT met")})");
            b.AppendLine();
            b.AppendLine($"  into Leads (stored)      {Leads.Rate,9:0} msg/s  {Leads.Seconds,8:0.00} s  (publishing {Leads.PublishSeconds:0.00} s)");
            b.AppendLine($"  raw RabbitMQ consume     {Raw.Rate,9:0} msg/s  {Raw.Seconds,8:0.00} s  (publishing {Raw.PublishSeconds:0.00} s; prefetch {P.Prefetch}, manual acks, no parsing)");
            b.AppendLine($"  {CountLine}");
            b.AppendLine($"  {OutboxLine}");
            b.AppendLine();
            b.AppendLine("  CPU (cores) during       busy " + string.Join(" ", CpuColumns.Select(g => $"{g,9}")));
            foreach (var (name, c) in new[] { ("into Leads", Leads.Cpu), ("raw consume", Raw.Cpu) })
                if (c is not null)
                    b.AppendLine($"  {name,-20} {c.MachineBusyCores,8:0.00} " + string.Join(" ", CpuColumns.Select(g => $"{c.Cores.GetValueOrDefault(g),9:0.00}")));
            foreach (var (name, c) in new[] { ("into Leads", Leads.Cpu), ("raw consume", Raw.Cpu) })
                if (c is not null) b.AppendLine($"  other during {name}, by process: {OtherText(c)}");
            if (Leads.Cpu is { } lc && Leads.Done > 0)
                b.AppendLine("  CPU µs per flag into Leads: " + string.Join(", ", CpuColumns.Where(g => lc.Cores.GetValueOrDefault(g) > 0.01)
                    .Select(g => $"{g} {lc.Cores[g] * lc.Seconds * 1e6 / Leads.Done:0}")));
            b.AppendLine($"  flags: one person subject each over 522722/522726/522701, {P.RepeatPercent:0}% naming an earlier flag's subject, published to " +
                         (P.Via == "queue" ? "Leads' queue alone" : "the InspectionFlagged exchange (Leads and Cooperation consume them)") + "; " +
                         "timed from the first publish (confirmed, " + P.Publishers + " in flight) to the last flag in Leads' inbox / the last raw ack");
            return b.ToString();
        }

        public void Append(string file)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            var b = new StringBuilder();
            if (!File.Exists(file))
            {
                b.AppendLine("# correlation results");
                b.AppendLine();
                b.AppendLine("Written by `dotnet run -c Release --project tests/JinDu.Benchmarks -- correlation`; every run appends a section.");
                b.AppendLine("Issue 4 goal: InspectionFlagged events through RabbitMQ into Leads at least half the raw RabbitMQ client's consume rate of the");
                b.AppendLine("same messages, in the same run. See tests/JinDu.Benchmarks/README.md, correlation.");
            }
            b.AppendLine();
            b.AppendLine($"## {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
            b.AppendLine();
            b.AppendLine($"- Machine: {Machine.Summary}{(Machine.LoadAverage is { } load ? $"; load average {load:0.00} at the start" : "")}");
            b.AppendLine($"- Parameters: `--count {P.Count} --warmup-count {P.WarmupCount} --repeat-percent {P.RepeatPercent} --prefetch {P.Prefetch} --publishers {P.Publishers} --pause-seconds {P.PauseSeconds} --via {P.Via} --seed {P.Seed}`");
            if (!Clean) b.AppendLine($"- **NOT CLEAN**: raw {Raw.Done:N0}/{Count:N0}, Leads {Leads.Done:N0}/{Count:N0}; the figures are not a valid measurement");
            b.AppendLine($"- **Ratio Leads / raw RabbitMQ consume: {Ratio:0.00}** (goal ≥ 0.5: {(Ratio >= 0.5 ? "met" : "not met")})");
            b.AppendLine($"- {char.ToUpperInvariant(CountLine[0])}{CountLine[1..]}");
            b.AppendLine($"- {OutboxLine}");
            b.AppendLine();
            b.AppendLine("| path | msg/s | seconds | publishing s | CPU busy (cores) | " + string.Join(" | ", CpuColumns) + " |");
            b.AppendLine("|---|---:|---:|---:|---:|" + string.Concat(CpuColumns.Select(_ => "---:|")));
            foreach (var (name, phase) in new[] { ("into Leads, stored", Leads), ($"raw RabbitMQ consume (prefetch {P.Prefetch}, manual acks)", Raw) })
                b.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {phase.Rate:0} | {phase.Seconds:0.00} | {phase.PublishSeconds:0.00} | {phase.Cpu?.MachineBusyCores:0.00} | ") +
                             string.Join(" | ", CpuColumns.Select(g => phase.Cpu is null ? "" : phase.Cpu.Cores.GetValueOrDefault(g).ToString("0.00", CultureInfo.InvariantCulture))) + " |");
            b.AppendLine();
            foreach (var (name, phase) in new[] { ("into Leads", Leads), ("raw consume", Raw) })
                if (phase.Cpu is not null) b.AppendLine($"- *other* during {name}, by process: {OtherText(phase.Cpu)}");
            File.AppendAllText(file, b.ToString());
        }
    }
}

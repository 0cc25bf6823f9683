using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using JinDu.Testing;
using Npgsql;
using RabbitMQ.Client;

namespace JinDu.Benchmarks;

/// <summary>
/// Issue 5 "flag to partner notified" (DESIGN.md §7: inspection posted → lead → notification delivered by webhook, p99
/// under 500 ms at 200 flags/s, nothing lost). In the distributed mode, through the gateway:
/// <list type="number">
/// <item>独山县 (522726, the partner) has a webhook on a loopback receiver and active leads on a set of its own residents:
/// its officers posted a seizure of each, which Screening flagged and Leads made into a lead.</item>
/// <item>荔波县 (522722) officers post positive drug tests of those persons at a fixed rate (open loop: each post leaves at its
/// scheduled time whatever the earlier ones did). Each flag becomes a 荔波县 lead that Leads correlates with 独山县's, and
/// 独山县 is sent a deconfliction notice and a hit-confirmation notice (the paths through a lead) and, being the persons'
/// household county, a household-county notice straight from the flag (the short path): three webhooks a flag.</item>
/// <item>Latency is from a post's scheduled time to the receiver's arrival time of the notice that names it; a flag whose
/// notice has not arrived when the drain time ends is lost. The baseline, in the same run, is the officer's own wait: the
/// post's answer time through the gateway.</item>
/// </list>
/// </summary>
public sealed class PartnerLatencyCommand : IBenchmarkCommand
{
    public string Name => "partner-latency";
    public string Summary => "flagged inspections through the gateway → lead → partner's webhook at a fixed rate: p50/p99 post-to-receipt and lost (goal p99 < 500 ms, 0 lost)";
    public string Usage => """
        options:
          --rate N             flagged posts per second (default 200)
          --seconds N          measured time at that rate (default 60)
          --warmup-seconds N   time at that rate first, not counted; then a wait until its notices arrived (default 20)
          --drain-seconds N    how long after the last post notices may still arrive before they count as lost (default 60)
          --seed-parallel N    seizure posts in flight while the partner's leads are made (default 8)
          --seed N             seed of the persons (default 42)
          --results FILE       markdown file the run is appended to
                               (default tests/JinDu.Benchmarks/results/partner-latency.md)
          --samples FILE       also write every measured post as a CSV line (seconds into the measured minute, then
                               the answer's and each notice's ms; for the two notices through a lead also when
                               Cooperation made them and their sequence numbers): shows whether the slow ones come
                               together in time, and where a notice spent its time
        """;

    private const string Flagger = "522722";
    private const string Partner = "522726";
    private const string InspectionsPath = "/api/screening/v1/inspections";
    private static readonly string[] CpuColumns = ["client", "gateway", "screening", "leads", "cooperation", "postgres", "rabbitmq", "redis", "other"];

    public sealed record Parameters(int Rate, double Seconds, double WarmupSeconds, double DrainSeconds, int SeedParallel, int Seed);

    public async Task<int> RunAsync(Options options, CancellationToken ct)
    {
        var p = new Parameters(
            Rate: options.Int("rate", 200, 1, 5_000),
            Seconds: options.Double("seconds", 60, 1, 3_600),
            WarmupSeconds: options.Double("warmup-seconds", 20, 0, 600),
            DrainSeconds: options.Double("drain-seconds", 60, 1, 3_600),
            SeedParallel: options.Int("seed-parallel", 8, 1, 256),
            Seed: options.Int("seed", 42, 0, int.MaxValue - 10));
        var resultsFile = options.String("results")
                          ?? Path.Combine(ServiceProcess.RepoRoot(), "tests", "JinDu.Benchmarks", "results", "partner-latency.md");
        var samplesFile = options.String("samples");
        options.EnsureAllRead();

        var machine = MachineDescription.Current();
        Console.WriteLine($"partner-latency: {machine.Summary}");
        Console.WriteLine($"  {p.Rate}/s flagged posts for {p.Seconds:0} s (+{p.WarmupSeconds:0} s warm-up) by {Flagger}, of persons {Partner} has leads on; {Partner}'s webhook on loopback");
        return await BenchmarkPlatform.RunAsync(Name, machine, (platform, _) => MeasureAsync(platform, p, machine, resultsFile, samplesFile, ct), ct);
    }

    private sealed record Person(string IdNumber, byte[] Seizure, byte[] Flag);

    /// <summary>One measured post: when it was due, how long its answer took, and what the notices will name.</summary>
    private sealed class Post
    {
        public required Person Person { get; init; }
        public DateTimeOffset Due;
        public required bool Counted { get; init; }
        public double AnswerMs = double.NaN;
        public int Status;
        public string? InspectionId;
        public DateTimeOffset? Deconfliction;
        public DateTimeOffset? Household;
        public DateTimeOffset? HitConfirmation;
        // When Cooperation made each notice (the CloudEvent's time) and its place in the partner's stream: which of the
        // two notices through a lead was written first, and how long each then took to reach the receiver.
        public DateTimeOffset? DeconflictionMade, HitConfirmationMade;
        public long DeconflictionSequence, HitConfirmationSequence;
    }

    private static async Task<int> MeasureAsync(DistributedPlatform platform, Parameters p, MachineDescription machine, string resultsFile, string? samplesFile, CancellationToken ct)
    {
        var cpu = CpuSampler.Create(platform.Servers.ServersDirectory);
        var client = platform.Platform();
        var flaggerAuth = "Bearer " + await client.TokenAsync($"officer.{Flagger}");
        var partnerAuth = "Bearer " + await client.TokenAsync($"officer.{Partner}");
        var warmupCount = (int)Math.Round(p.Rate * p.WarmupSeconds);
        var countedCount = (int)Math.Round(p.Rate * p.Seconds);
        var persons = Persons(warmupCount + countedCount, p.Seed);

        await using var receiver = await WebhookReceiver.StartAsync();
        var secret = await RegisterWebhookAsync(client, receiver.Url, ct);
        Console.WriteLine($"  {Partner}'s webhook: {receiver.Url}");

        using var http = LoadClient.Create(64, connectTimeout: TimeSpan.FromSeconds(10), requestTimeout: TimeSpan.FromSeconds(30));
        var inspections = new Uri(new Uri(platform.GatewayUrl), InspectionsPath);

        // 1. The partner's leads: a seizure of each person posted by its own officers, each a lead once Leads has it.
        var clock = Stopwatch.StartNew();
        var seizureIds = new ConcurrentDictionary<string, Person>();
        await Parallel.ForEachAsync(persons, new ParallelOptions { MaxDegreeOfParallelism = p.SeedParallel, CancellationToken = ct }, async (person, token) =>
        {
            var (status, body, _) = await PostAsync(http, inspections, person.Seizure, partnerAuth, token);
            // Seeding goes as fast as the platform takes it, and on a quiet machine that can outrun the gateway's limit per
            // caller (500/s after a burst of 1,000): wait as the 429 asks (Retry-After is 1 s) and post again, as a client would.
            for (var retry = 0; status == HttpStatusCode.TooManyRequests && retry < 30; retry++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), token);
                (status, body, _) = await PostAsync(http, inspections, person.Seizure, partnerAuth, token);
            }
            if (status != HttpStatusCode.Created)
                throw new InvalidOperationException($"a seizure post answered {(int)status}: {body[..Math.Min(400, body.Length)]}");
            seizureIds[InspectionIdOf(body)] = person;
        });
        var seedPostSeconds = clock.Elapsed.TotalSeconds;
        var referenceOf = await PartnerLeadsAsync(platform, seizureIds, TimeSpan.FromMinutes(10), ct);
        var personByLead = referenceOf.ToDictionary(x => x.Value, x => x.Key, StringComparer.Ordinal);
        Console.WriteLine($"  {Partner}'s leads: {persons.Count:N0} seizures posted in {seedPostSeconds:0.0} s, all leads in Leads after {clock.Elapsed.TotalSeconds:0.0} s");
        await Task.Delay(TimeSpan.FromSeconds(5), ct); // the outboxes (WatchlistChanged, LeadCreated) drain before the load
        // Seeding made 16,000 leads in under a minute, far faster than any county does, and the planner's statistics still
        // describe near-empty tables until autovacuum next analyzes them: at some point of the measured minute, and until
        // then Leads' reads of a batch's leads took ~30 times as long (3.7 ms against 0.12 a query). Analyzed now, the
        // measured minute sees the database as it would be at this size in steady state.
        var analyzed = await AnalyzeAsync(platform, ct);
        Console.WriteLine($"  the services' databases analyzed after seeding: {analyzed.TotalSeconds:0.0} s");
        var before = receiver.Received.Count;
        if (before > 0) Console.WriteLine($"  !! {before} webhook requests arrived while seeding; they are not counted");

        // 2. The load: open loop, each post at its scheduled time. The warm-up posts first, then a wait until their
        //    notices all arrived (a freshly started service JITs its code under the load and falls behind for a while),
        //    then the measured posts.
        var posts = persons.Select((person, i) => new Post { Person = person, Counted = i >= warmupCount }).ToList();
        var byPerson = posts.ToDictionary(x => x.Person.IdNumber, StringComparer.Ordinal);
        using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var progress = ProgressAsync(platform, receiver, before, stopProgress.Token);
        var seen = before;
        var duplicates = 0;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var unmatched = 0;
        var badSignatures = 0;

        async Task LoadAsync(List<Post> group)
        {
            var start = DateTimeOffset.UtcNow.AddMilliseconds(200);
            var startTicks = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 5;
            var inFlight = new List<Task>(group.Count);
            for (var i = 0; i < group.Count; i++)
            {
                var offset = i / (double)p.Rate;
                var dueTicks = startTicks + (long)(offset * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), dueTicks);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
                group[i].Due = start.AddSeconds(offset);
                inFlight.Add(SendAsync(http, inspections, group[i], flaggerAuth, dueTicks, ct));
            }
            await Task.WhenAll(inFlight);
        }

        // Matches what arrived to the posts until every post of the group has its three notices, or the time is up.
        async Task<double> CollectAsync(List<Post> group, double bound)
        {
            var waited = Stopwatch.StartNew();
            while (true)
            {
                var received = receiver.Received;
                var byInspection = posts.Where(x => x.InspectionId is not null).ToDictionary(x => x.InspectionId!, StringComparer.Ordinal);
                for (; seen < received.Count; seen++)
                {
                    var w = received[seen];
                    if (!ids.Add(w.Id)) { duplicates++; continue; }
                    if (!WebhookReceiver.Verify(w, secret, w.ReceivedAt, TimeSpan.FromMinutes(5), out _)) badSignatures++;
                    if (!Match(w, byInspection, byPerson, personByLead)) unmatched++;
                }
                var missing = group.Count(x => x.Status == 201 && (x.Deconfliction is null || x.Household is null || x.HitConfirmation is null));
                if (missing == 0 || waited.Elapsed.TotalSeconds > bound) return waited.Elapsed.TotalSeconds;
                await Task.Delay(250, ct);
            }
        }

        var warmup = posts.Take(warmupCount).ToList();
        var counted = posts.Skip(warmupCount).ToList();
        CpuUsage? warmupUsage = null;
        if (warmup.Count > 0)
        {
            var warmupStart = cpu?.Take();
            await LoadAsync(warmup);
            warmupUsage = warmupStart is null ? null : cpu!.Take().Since(warmupStart);
            var drained = await CollectAsync(warmup, p.DrainSeconds);
            var late = warmup.Count(x => x.Deconfliction is null || x.Household is null || x.HitConfirmation is null);
            Console.WriteLine(late == 0
                ? $"  warm-up: {warmup.Count:N0} posts; their notices all arrived {drained:0.0} s after the last post; the services' background JIT used {warmupUsage?.JitCores:0.00} cores"
                : $"  !! warm-up: {late:N0} of {warmup.Count:N0} posts still without all notices after {drained:0} s; measuring anyway");
            // Cooperation's tables (notices, deliveries, their log, its inbox) were empty when seeding ended, and were
            // analyzed so. The warm-up filled them at thousands of rows a minute, far faster than autovacuum (once a minute
            // a database) follows, and the plans PostgreSQL had cached for them while they were near empty (the foreign-key
            // check of every new delivery among them) scanned whole tables: at 200 flags/s its backends spent 0.45 cores
            // for the first half of the measured minute and 0.13 after autovacuum's analyze. Analyzed again now, the
            // measured minute sees these tables as they would be in service.
            var reanalyzed = await AnalyzeAsync(platform, ct);
            Console.WriteLine($"  the services' databases analyzed again after the warm-up: {reanalyzed.TotalSeconds:0.0} s");
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
        }
        var measuredStart = cpu?.Take();
        await LoadAsync(counted);
        var loadSeconds = clock.Elapsed.TotalSeconds;
        var measuredUsage = measuredStart is null ? null : cpu!.Take().Since(measuredStart);

        // 3. Notices arrive; wait until every flag's three notices did, or the drain time ends.
        await CollectAsync(counted, p.DrainSeconds);

        await stopProgress.CancelAsync();
        await progress;
        var result = new Result(p, machine, posts.Where(x => x.Counted).ToList(), duplicates, unmatched, badSignatures, measuredUsage, loadSeconds, warmupUsage);
        Console.WriteLine();
        Console.Write(result.Text());
        result.Append(resultsFile);
        Console.WriteLine($"results appended to {resultsFile}");
        if (samplesFile is not null)
        {
            await File.WriteAllLinesAsync(samplesFile, Samples(counted), ct);
            Console.WriteLine($"every measured post written to {samplesFile}");
        }
        return result.Clean ? 0 : 1;
    }

    /// <summary>
    /// Every 5 s: webhook requests received so far, the partner's webhook deliveries still pending and the broker's
    /// queues with messages ready (beyond what consumers have prefetched) — where a backlog builds up when the platform
    /// falls behind. The queues are listed once
    /// (rabbitmqctl), before the load; their depths are then read over AMQP (a passive declare each). rabbitmqctl boots
    /// an Erlang VM: run every 5 s it took ~0.3 cores for a second each time, on this 2-core machine, and each time the
    /// notices came late (the slowest 1% came almost all from those seconds).
    /// </summary>
    private static async Task ProgressAsync(DistributedPlatform platform, WebhookReceiver receiver, int before, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var names = (await platform.Servers.ListQueuesAsync()).Select(q => q?["name"]?.GetValue<string>() ?? "").Where(n => n.Length > 0).Order().ToList();
            var factory = new ConnectionFactory { Uri = new Uri(platform.Servers.RabbitMqUri), ClientProvidedName = "jindu-benchmark-progress" };
            await using var broker = await factory.CreateConnectionAsync(ct);
            await using var channel = await broker.CreateChannelAsync(cancellationToken: ct);
            while (true)
            {
                await Task.Delay(5_000, ct);
                var queues = new List<(string Name, uint Messages)>();
                foreach (var name in names)
                    queues.Add((name, (await channel.QueueDeclarePassiveAsync(name, ct)).MessageCount));
                long pending;
                await using (var connection = new NpgsqlConnection(platform.CooperationDatabase))
                {
                    await connection.OpenAsync(ct);
                    await using var command = new NpgsqlCommand("SELECT count(*) FROM webhook_deliveries WHERE \"Status\" = 'Pending'", connection);
                    pending = (long)(await command.ExecuteScalarAsync(ct))!;
                }
                Console.WriteLine($"    {clock.Elapsed.TotalSeconds,4:0} s: {receiver.Received.Count - before,6:N0} webhook requests; pending deliveries {pending:N0}; ready in queues: " +
                                  string.Join(", ", queues.Where(q => q.Messages > 0).OrderByDescending(q => q.Messages).Take(4).Select(q => $"{q.Name} {q.Messages:N0}")));
            }
        }
        catch (OperationCanceledException) { }
    }

    private static async Task SendAsync(HttpClient http, Uri url, Post post, string authorization, long dueTicks, CancellationToken ct)
    {
        var (status, body, _) = await PostAsync(http, url, post.Person.Flag, authorization, ct);
        post.AnswerMs = Stopwatch.GetElapsedTime(dueTicks).TotalMilliseconds;
        post.Status = (int)status;
        if (status == HttpStatusCode.Created) post.InspectionId = InspectionIdOf(body);
    }

    /// <summary>Which post a notice is about: a household notice names the flagging inspection, a deconfliction or hit-confirmation notice the partner's lead.</summary>
    private static bool Match(ReceivedWebhook w, Dictionary<string, Post> byInspection, Dictionary<string, Post> byPerson, Dictionary<string, string> personByLead)
    {
        var body = JsonNode.Parse(w.Body);
        var data = body?["data"];
        var type = data?["type"]?.GetValue<string>() ?? "";
        var made = body?["time"]?.GetValue<DateTimeOffset>();
        var sequence = long.TryParse(body?["sequence"]?.GetValue<string>(), CultureInfo.InvariantCulture, out var n) ? n : 0;
        foreach (var value in Strings(data?["payload"]))
        {
            if (type == "deconfliction" && personByLead.TryGetValue(value, out var id) && byPerson.TryGetValue(id, out var post))
            {
                if (post.Deconfliction is null) (post.Deconfliction, post.DeconflictionMade, post.DeconflictionSequence) = (w.ReceivedAt, made, sequence);
                return true;
            }
            if (type == "hit_confirmation" && personByLead.TryGetValue(value, out var hitId) && byPerson.TryGetValue(hitId, out var hit))
            {
                if (hit.HitConfirmation is null) (hit.HitConfirmation, hit.HitConfirmationMade, hit.HitConfirmationSequence) = (w.ReceivedAt, made, sequence);
                return true;
            }
            if (type == "household_county" && byInspection.TryGetValue(value, out var flagged))
            {
                flagged.Household ??= w.ReceivedAt;
                return true;
            }
        }
        return false;
    }

    private static IEnumerable<string> Strings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, v) in o)
                foreach (var s in Strings(v))
                    yield return s;
                break;
            case JsonArray a:
                foreach (var v in a)
                foreach (var s in Strings(v))
                    yield return s;
                break;
            case JsonValue v when v.TryGetValue<string>(out var s):
                yield return s;
                break;
        }
    }

    private static string InspectionIdOf(string body) => JsonNode.Parse(body)?["id"]?.GetValue<string>()
                                                         ?? throw new InvalidOperationException("an inspection post's answer has no id");

    /// <summary>The partner's webhook on the receiver; returns the signing secret.</summary>
    private static async Task<string> RegisterWebhookAsync(PlatformClient client, string url, CancellationToken ct)
    {
        using var response = await client.SendAsync(HttpMethod.Put, "/api/cooperation/v1/webhook", $"liaison.{Partner}", new { url });
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"registering the webhook answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)?["newSecret"]?.GetValue<string>() ?? throw new InvalidOperationException($"no newSecret in {body}");
    }

    /// <summary>ANALYZE in each of the services' databases on the server; returns how long it took.</summary>
    private static async Task<TimeSpan> AnalyzeAsync(DistributedPlatform platform, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var admin = new NpgsqlConnectionStringBuilder(platform.Servers.PostgresServerConnectionString) { Pooling = false }.ConnectionString;
        var databases = new List<string>();
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(ct);
            // This run's: the newest database of each service (as PartnerLeadsAsync finds Leads').
            foreach (var service in new[] { "screening", "leads", "cooperation" })
            {
                await using var find = new NpgsqlCommand($"SELECT datname FROM pg_database WHERE datname LIKE '{service}%' ORDER BY oid DESC LIMIT 1", connection);
                databases.Add(await find.ExecuteScalarAsync(ct) as string ?? throw new InvalidOperationException($"no {service} database on the server"));
            }
        }
        foreach (var database in databases)
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString);
            await connection.OpenAsync(ct);
            await using var analyze = new NpgsqlCommand("ANALYZE", connection) { CommandTimeout = 300 };
            await analyze.ExecuteNonQueryAsync(ct);
        }
        return clock.Elapsed;
    }

    /// <summary>Waits until Leads holds a lead of the partner for every seizure; returns each person's lead reference.</summary>
    private static async Task<Dictionary<string, string>> PartnerLeadsAsync(DistributedPlatform platform, ConcurrentDictionary<string, Person> seizures,
        TimeSpan timeout, CancellationToken ct)
    {
        var admin = new NpgsqlConnectionStringBuilder(platform.Servers.PostgresServerConnectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(ct);
        string database;
        await using (var find = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE 'leads%' ORDER BY oid DESC LIMIT 1", connection))
            database = await find.ExecuteScalarAsync(ct) as string ?? throw new InvalidOperationException("no leads database on the server");
        await connection.ChangeDatabaseAsync(database, ct);
        var clock = Stopwatch.StartNew();
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            found.Clear();
            await using (var command = new NpgsqlCommand("""SELECT "SourceId"::text, "Reference" FROM leads WHERE "OwnerAgency" = @agency AND "SourceId" IS NOT NULL""", connection))
            {
                command.Parameters.AddWithValue("agency", Partner);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    if (seizures.TryGetValue(reader.GetString(0), out var person))
                        found[person.IdNumber] = reader.GetString(1);
            }
            if (found.Count == seizures.Count) return found;
            if (clock.Elapsed > timeout) throw new TimeoutException($"after {timeout}: {found.Count:N0} of {seizures.Count:N0} seizures are leads");
            await Task.Delay(500, ct);
        }
    }

    private static async Task<(HttpStatusCode, string, double)> PostAsync(HttpClient http, Uri url, byte[] body, string authorization, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8");
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return (response.StatusCode, text, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <summary>Residents of the partner county (their ID numbers say 522726), each with a seizure post there and a drug-test post in 荔波县.</summary>
    private static List<Person> Persons(int count, int seed)
    {
        var random = new Random(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var persons = new List<Person>(count);
        var partnerCheckpoint = GatewayOverheadCommand.Workload.Agencies[Partner];
        var flaggerCheckpoint = GatewayOverheadCommand.Workload.Agencies[Flagger];
        while (persons.Count < count)
        {
            var birth = new DateOnly(1960, 1, 1).AddDays(random.Next(0, 365 * 45)).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            var id = TestIds.Person(Partner, birth, random.Next(0, 1000));
            if (!seen.Add(id)) continue;
            var seizure = JsonSerializer.SerializeToUtf8Bytes(PlatformClient.SeizureOf(id, partnerCheckpoint), PlatformClient.Json);
            var flag = JsonSerializer.SerializeToUtf8Bytes(new
            {
                checkpointId = flaggerCheckpoint,
                method = "drug_test",
                result = "positive_test",
                subject = new { idNumber = id, name = "王小二" },
            }, PlatformClient.Json);
            persons.Add(new Person(id, seizure, flag));
        }
        return persons;
    }

    /// <summary>The measured posts as CSV: when each was due (seconds after the first), its answer, and each notice (ms after it was due; empty if lost).</summary>
    private static IEnumerable<string> Samples(List<Post> posts)
    {
        yield return "due_s,answer_ms,household_ms,deconfliction_ms,hit_confirmation_ms,deconfliction_made_ms,hit_confirmation_made_ms,deconfliction_sequence,hit_confirmation_sequence";
        if (posts.Count == 0) yield break;
        var first = posts[0].Due;
        static string Ms(DateTimeOffset? at, DateTimeOffset due) => at is { } a ? (a - due).TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) : "";
        foreach (var x in posts)
            yield return string.Join(',', (x.Due - first).TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture),
                x.AnswerMs.ToString("0.0", CultureInfo.InvariantCulture), Ms(x.Household, x.Due), Ms(x.Deconfliction, x.Due), Ms(x.HitConfirmation, x.Due),
                Ms(x.DeconflictionMade, x.Due), Ms(x.HitConfirmationMade, x.Due), x.DeconflictionSequence, x.HitConfirmationSequence);
    }

    private static double Percentile(List<double> sorted, double q) => FeedIngestStats.Percentile(sorted, q);

    private sealed record Result(Parameters P, MachineDescription Machine, List<Post> Posts, int Duplicates, int Unmatched, int BadSignatures, CpuUsage? Cpu, double LoadSeconds, CpuUsage? WarmupCpu = null)
    {
        private List<Post> Flagged => Posts.Where(x => x.Status == 201).ToList();
        private int Failed => Posts.Count - Flagged.Count;
        private List<double> Answer => Posts.Where(x => !double.IsNaN(x.AnswerMs)).Select(x => x.AnswerMs).Order().ToList();
        private List<double> Deconfliction => Flagged.Where(x => x.Deconfliction is not null).Select(x => (x.Deconfliction!.Value - x.Due).TotalMilliseconds).Order().ToList();
        private List<double> Household => Flagged.Where(x => x.Household is not null).Select(x => (x.Household!.Value - x.Due).TotalMilliseconds).Order().ToList();
        private List<double> HitConfirmation => Flagged.Where(x => x.HitConfirmation is not null).Select(x => (x.HitConfirmation!.Value - x.Due).TotalMilliseconds).Order().ToList();
        private int LostHitConfirmation => Flagged.Count(x => x.HitConfirmation is null);
        private int LostDeconfliction => Flagged.Count(x => x.Deconfliction is null);
        private int LostHousehold => Flagged.Count(x => x.Household is null);
        public double P99 => Percentile(Deconfliction, 0.99);
        public bool Met => LostDeconfliction == 0 && P99 < 500;
        public bool Clean => Failed == 0 && Duplicates == 0 && BadSignatures == 0 && LostDeconfliction == 0 && LostHousehold == 0 && LostHitConfirmation == 0;

        private string Line(string name, List<double> ms, int lost) =>
            $"  {name,-44} p50 {Percentile(ms, 0.5),7:0.0} ms  p99 {Percentile(ms, 0.99),7:0.0} ms  max {(ms.Count == 0 ? double.NaN : ms[^1]),7:0.0} ms  arrived {ms.Count,6:N0}  lost {lost}";

        public string Text()
        {
            var b = new StringBuilder();
            if (!Clean) b.AppendLine($"!! NOT CLEAN: {Failed} posts failed, {Duplicates} duplicate deliveries, {BadSignatures} bad signatures, lost {LostDeconfliction} deconfliction / {LostHousehold} household notices");
            b.AppendLine($"RATIO notified p99 / the officer's own answer p99: {P99 / Percentile(Answer, 0.99):0.0}   " +
                         $"flag → partner's webhook p99 {P99:0} ms, lost {LostDeconfliction} (goal p99 < 500 ms, 0 lost: {(Met ? "met" : "NOT met")})");
            b.AppendLine();
            b.AppendLine(Line("post → deconfliction notice (through a lead)", Deconfliction, LostDeconfliction));
            b.AppendLine(Line("post → hit-confirmation notice (through a lead)", HitConfirmation, LostHitConfirmation));
            b.AppendLine(Line("post → household-county notice (from the flag)", Household, LostHousehold));
            b.AppendLine(Line("baseline: the post's own answer", Answer, Failed));
            b.AppendLine($"  {Posts.Count:N0} posts at {P.Rate}/s over {P.Seconds:0} s, {Flagged.Count:N0} answered 201; webhook: {Duplicates} duplicates, {Unmatched} matching no post, {BadSignatures} bad signatures");
            if (Cpu is { } c)
            {
                b.AppendLine($"  CPU (cores) while measured: busy {c.MachineBusyCores:0.00}: " + string.Join(" ", CpuColumns.Select(g => $"{g} {c.Cores.GetValueOrDefault(g):0.00}")));
                b.AppendLine("  CPU ms per flag: " + string.Join(", ", CpuColumns.Where(g => c.Cores.GetValueOrDefault(g) > 0.01)
                    .Select(g => $"{g} {c.Cores[g] * c.Seconds * 1e3 / Math.Max(1, Posts.Count):0.00}")));
                b.AppendLine($"  the services' background JIT (tiered compilation): {WarmupCpu?.JitCores:0.00} cores during the warm-up, {c.JitCores:0.00} while measured");
            }
            return b.ToString();
        }

        public void Append(string file)
        {
            var b = ResultsFile.Section(file, "partner-latency", Machine,
                "Issue 5 goal: inspections posted through the gateway at 200 flagged/s for a minute in the distributed mode; from post to the",
                "partner's loopback webhook receiver p99 < 500 ms, 0 lost. See tests/JinDu.Benchmarks/README.md, partner-latency.");
            b.AppendLine($"- Parameters: `--rate {P.Rate} --seconds {P.Seconds} --warmup-seconds {P.WarmupSeconds} --drain-seconds {P.DrainSeconds} --seed {P.Seed}`");
            if (!Clean) b.AppendLine($"- **NOT CLEAN**: {Failed} posts failed, {Duplicates} duplicate deliveries, {BadSignatures} bad signatures");
            b.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"- **Flag → partner's webhook (deconfliction, through a lead): p99 {P99:0} ms, {LostDeconfliction} lost** (goal p99 < 500 ms, 0 lost: {(Met ? "met" : "not met")}); ratio to the post's own p99 {P99 / Percentile(Answer, 0.99):0.0}"));
            b.AppendLine();
            b.AppendLine("| from the post's scheduled time to | p50 ms | p99 ms | max ms | arrived | lost |");
            b.AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var (name, ms, lost) in new[] { ("deconfliction notice at the partner's webhook", Deconfliction, LostDeconfliction),
                         ("hit-confirmation notice at the partner's webhook", HitConfirmation, LostHitConfirmation),
                         ("household-county notice at the partner's webhook", Household, LostHousehold), ("the post's answer (baseline)", Answer, Failed) })
                b.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {Percentile(ms, 0.5):0.0} | {Percentile(ms, 0.99):0.0} | {(ms.Count == 0 ? double.NaN : ms[^1]):0.0} | {ms.Count} | {lost} |"));
            if (Cpu is { } c)
            {
                b.AppendLine();
                b.AppendLine(string.Create(CultureInfo.InvariantCulture, $"CPU while measured, cores (busy {c.MachineBusyCores:0.00}): ") +
                             string.Join(", ", CpuColumns.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g} {c.Cores.GetValueOrDefault(g):0.00}"))) +
                             string.Create(CultureInfo.InvariantCulture, $"; of the services' cores, their background JIT (tiered compilation) {c.JitCores:0.00} (during the warm-up {WarmupCpu?.JitCores:0.00})"));
            }
            ResultsFile.Append(file, b);
        }
    }
}

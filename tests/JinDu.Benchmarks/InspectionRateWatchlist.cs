using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using JinDu.Testing;

namespace JinDu.Benchmarks;

/// <summary>
/// Persons put on the watchlist the way it happens in production: a seizure posted at a checkpoint is
/// flagged, goes through Screening's outbox and RabbitMQ to Leads, becomes a lead, and the lead's
/// WatchlistChanged event puts the person's token into the Redis index. Seeding waits until a post for
/// each person answers with a watchlist hit; the load then mixes "clear" posts of these persons into the
/// generated posts of <see cref="GatewayOverheadCommand.Workload"/>.
/// </summary>
public sealed class InspectionRateWatchlist
{
    private static readonly string[] Counties = ["522701", "522702", "522722", "522723", "522725", "522726", "522727", "522728", "522729", "522730", "522731", "522732"];
    private static readonly string[] Methods = ["manual_search", "manual_search", "x_ray", "dog", "drug_test"];
    private static readonly string[] Names = ["罗永福", "石美玲", "吴国强", "蒙春燕", "陆海涛", "王小二"];

    private readonly List<Person> _persons;

    private sealed record Person(string IdNumber, string Agency, byte[] Seizure, byte[] Check, string Authorization);

    private InspectionRateWatchlist(List<Person> persons) => _persons = persons;

    /// <summary>Persons confirmed on the watchlist (after <see cref="SeedAsync"/>), whose posts the load mixes in.</summary>
    public int Count => _persons.Count;

    public static InspectionRateWatchlist Generate(int count, int seed, IReadOnlyDictionary<string, string> authorizationByAgency)
    {
        var random = new Random(seed);
        var agencies = GatewayOverheadCommand.Workload.Agencies.Keys.ToArray();
        var seen = new HashSet<string>();
        var persons = new List<Person>(count);
        while (persons.Count < count)
        {
            var birth = new DateOnly(1965, 1, 1).AddDays(random.Next(0, 365 * 40)).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            var id = TestIds.Person(Counties[random.Next(Counties.Length)], birth, random.Next(0, 1000));
            if (!seen.Add(id)) continue;
            var agency = agencies[persons.Count % agencies.Length];
            var checkpoint = GatewayOverheadCommand.Workload.Agencies[agency];
            var seizure = JsonSerializer.SerializeToUtf8Bytes(PlatformClient.SeizureOf(id, checkpoint), PlatformClient.Json);
            var check = JsonSerializer.SerializeToUtf8Bytes(new
            {
                checkpointId = checkpoint,
                method = Methods[random.Next(Methods.Length)],
                result = "clear",
                subject = new { idNumber = id, name = Names[random.Next(Names.Length)] },
            }, PlatformClient.Json);
            persons.Add(new Person(id, agency, seizure, check, authorizationByAgency[agency]));
        }
        return new InspectionRateWatchlist(persons);
    }

    /// <summary>A 201 whose watchlist answer names a lead.</summary>
    public static bool IsHit(byte[] body) => body.AsSpan().IndexOf("\"leadReference\":"u8) >= 0;

    public sealed record SeedResult(int Posted, int Confirmed, double PostSeconds, double PropagationSeconds, int CheckPosts);

    /// <summary>
    /// Posts a seizure for every person (<paramref name="parallel"/> at a time), then posts "clear" checks of the
    /// ones not yet confirmed until each has answered with a hit, bounded by <paramref name="timeout"/>. Persons
    /// never confirmed are dropped from the load.
    /// </summary>
    public async Task<SeedResult> SeedAsync(HttpClient http, Uri inspectionsUrl, int parallel, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var posted = 0;
        await Parallel.ForEachAsync(_persons, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = deadline.Token }, async (person, token) =>
        {
            var (status, body) = await PostAsync(http, inspectionsUrl, person.Seizure, person.Authorization, token);
            if (status != HttpStatusCode.Created)
                throw new InvalidOperationException($"seeding the watchlist: a seizure post answered {(int)status}: {body.Length switch { > 400 => body[..400], _ => body }}");
            Interlocked.Increment(ref posted);
        });
        var postSeconds = clock.Elapsed.TotalSeconds;

        var pending = new List<Person>(_persons);
        var confirmed = new List<Person>();
        var checks = 0;
        while (pending.Count > 0 && !deadline.IsCancellationRequested)
        {
            var hits = new bool[pending.Count];
            try
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, pending.Count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = deadline.Token },
                    async (i, token) =>
                    {
                        var (status, body) = await PostAsync(http, inspectionsUrl, pending[i].Check, pending[i].Authorization, token);
                        Interlocked.Increment(ref checks);
                        hits[i] = status == HttpStatusCode.Created && body.Contains("\"leadReference\":", StringComparison.Ordinal);
                    });
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                break;
            }
            for (var i = pending.Count - 1; i >= 0; i--)
                if (hits[i])
                {
                    confirmed.Add(pending[i]);
                    pending.RemoveAt(i);
                }
            if (pending.Count > 0)
            {
                try { await Task.Delay(500, deadline.Token); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { break; }
            }
        }
        ct.ThrowIfCancellationRequested();
        var propagation = clock.Elapsed.TotalSeconds - postSeconds;
        _persons.Clear();
        _persons.AddRange(confirmed.OrderBy(p => p.IdNumber, StringComparer.Ordinal));
        return new SeedResult(posted, confirmed.Count, postSeconds, propagation, checks);
    }

    private static async Task<(HttpStatusCode, string)> PostAsync(HttpClient http, Uri url, byte[] body, string authorization, CancellationToken ct)
    {
        using var request = NewPost(url, body, authorization);
        using var response = await http.SendAsync(request, ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    private static HttpRequestMessage NewPost(Uri url, byte[] body, string authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8");
        return request;
    }

    /// <summary>
    /// <paramref name="others"/> (the generated posts, a target of <see cref="GatewayOverheadCommand.Workload"/> at the
    /// same address) with <paramref name="percent"/>% of the requests, spread evenly, replaced by a "clear" post of a
    /// watchlisted person. Successes and "watchlist unchecked" are judged as for <paramref name="others"/>.
    /// </summary>
    public LoadTarget Mix(LoadTarget others, Uri url, double percent)
    {
        if (_persons.Count == 0 || percent <= 0) return others;
        var share = percent / 100;
        var persons = _persons.ToArray();
        return others with
        {
            NewRequest = n =>
            {
                if (Math.Floor(n * share) == Math.Floor((n + 1) * share)) return others.NewRequest(n);
                var person = persons[(long)Math.Floor(n * share) % persons.Length];
                return NewPost(url, person.Check, person.Authorization);
            },
        };
    }
}

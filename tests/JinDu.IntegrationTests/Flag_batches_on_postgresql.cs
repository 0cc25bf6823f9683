extern alias leads;
using System.Diagnostics;
using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Contracts;
using JinDu.Screening.Contracts.Events;
using JinDu.Testing;
using leads::JinDu.Leads.Consumers;
using leads::JinDu.Leads.Correlation;
using leads::JinDu.Leads.Infrastructure;
using leads::JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace JinDu.IntegrationTests;

/// <summary>
/// Leads applies a batch of screening flags on PostgreSQL in few round trips: the locks and every read in one, the
/// stored leads' rows (one query a table, only when a stored lead shares a token), and every write in one, then the
/// commit. Each round trip waits for both ends to be scheduled on a busy machine, and a batch's apply is on the path of
/// every notice through a lead (partner-latency). Applied here to a database of its own, with what the batch did read back.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class Flag_batches_on_postgresql(DistributedPlatform platform)
{
    private const string Dushan = "522726", Libo = "522722";

    private static FlagToLeadConsumer.Flag Flag(string agency, string token) =>
        FlagToLeadConsumer.FromInspection(new InspectionFlagged
        {
            EventId = Guid.NewGuid(),
            OccurredAt = DateTimeOffset.UtcNow,
            ProducerAgency = agency,
            InspectionId = Guid.NewGuid(),
            CheckpointId = Guid.NewGuid(),
            CheckpointName = agency + " 公安检查站",
            Result = "seizure",
            InspectedAt = DateTimeOffset.UtcNow,
            Subjects = [new FlaggedSubject(SubjectKind.Person, token, "5227**********" + token[^4..], Dushan)],
            Seizures = [new SeizureLine("methamphetamine", 5m)],
        });

    [Fact]
    public async Task A_batch_is_read_in_one_round_trip_and_written_in_one_and_does_what_it_did_before()
    {
        var connection = await platform.Servers.CreatePostgresDatabaseAsync("leads_batch");
        var database = new NpgsqlConnectionStringBuilder(connection).Database!;
        await using var services = Services(connection);
        await using (var scope = services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<LeadsDbContext>().Database.MigrateAsync();
        using var commands = new RoundTrips(database);
        var tokens = Enumerable.Range(0, 3).Select(i => $"rt-{i}-{Guid.NewGuid():N}").ToArray();

        // 独山县's three persons, new to the platform: the reads, then the writes. No stored lead shares a token, so no
        // lead is loaded. (Before: the lock, the inbox, the lead ids, five queries for the leads and their rows, the
        // references, the new leads' INSERT returning their ids and the rest: eleven.)
        var first = tokens.Select(t => Flag(Dushan, t)).ToList();
        Assert.Equal(2, await commands.CountAsync(() => ApplyAsync(services, first)));

        // 荔波县 flags the same three: three new leads, each correlated with 独山县's, and 独山县 gets a confirmation task for
        // each hit. The reads, the stored leads with their rows (five), the writes. (Before: twelve.)
        var second = tokens.Select(t => Flag(Libo, t)).ToList();
        Assert.Equal(7, await commands.CountAsync(() => ApplyAsync(services, second)));

        // The same batch again (a redelivery): the inbox knows it; nothing is written.
        Assert.Equal(1, await commands.CountAsync(() => ApplyAsync(services, second)));

        await using var check = services.CreateAsyncScope();
        var db = check.ServiceProvider.GetRequiredService<LeadsDbContext>();
        var stored = await db.Leads.AsNoTracking().AsSplitQuery().OrderBy(l => l.Id).ToListAsync();
        Assert.Equal([Dushan, Dushan, Dushan, Libo, Libo, Libo], stored.Select(l => l.OwnerAgency));
        Assert.Equal(6, stored.Select(l => l.Reference).Distinct().Count());
        foreach (var (lead, token) in stored.Zip(tokens.Concat(tokens)))
        {
            // Each lead has its person, its flag on its timeline and one link to the other county's lead of the same person.
            Assert.Equal(token, Assert.Single(lead.Subjects).Token);
            Assert.Contains(lead.Timeline, t => t.Action == "created_from_flag");
            var other = stored.Single(o => o.OwnerAgency != lead.OwnerAgency && o.Subjects[0].Token == token);
            Assert.Equal(other.PublicId, Assert.Single(lead.Links).OtherLeadId);
        }
        var tasks = await db.HitTasks.AsNoTracking().OrderBy(t => t.Id).ToListAsync();
        Assert.Equal(stored.Take(3).Select(l => l.Id), tasks.Select(t => t.LeadId));
        Assert.All(tasks, t => Assert.Equal((Dushan, Libo), (t.OwnerAgency, t.HitAgency)));
        Assert.Equal(6, await db.InboxMessages.CountAsync());
        // Each 荔波县 flag announced its lead, its watchlist entry, a correlation to each owner and the hit; 独山县's, two each.
        var events = await db.OutboxMessages.AsNoTracking().OrderBy(m => m.Id).Select(m => m.Type).ToListAsync();
        Assert.Equal(3 * 2 + 3 * 5, events.Count);
        Assert.Equal(3, events.Count(t => t.Contains(".HitConfirmationRequested,")));
        Assert.Equal(6, events.Count(t => t.Contains(".LeadsCorrelated,")));
    }

    [Fact]
    public async Task Leads_made_from_flags_are_numbered_after_the_stored_ones_and_before_later_ones()
    {
        var connection = await platform.Servers.CreatePostgresDatabaseAsync("leads_ids");
        await using var services = Services(connection);
        await using (var scope = services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<LeadsDbContext>().Database.MigrateAsync();
        // A lead stored the ordinary way (an analyst's, through SaveChanges), then a batch of flags.
        var analysts = await StoreAnalystLeadAsync(services, "analyst's");
        var flags = Enumerable.Range(0, 5).Select(i => Flag(Dushan, $"ids-{i}-{Guid.NewGuid():N}")).ToList();
        await ApplyAsync(services, flags);
        await using var check = services.CreateAsyncScope();
        var ids = await check.ServiceProvider.GetRequiredService<LeadsDbContext>().Leads.Where(l => l.Id != analysts).OrderBy(l => l.Id)
            .Select(l => l.Id).ToListAsync();
        Assert.Equal(5, ids.Count);
        Assert.All(ids, id => Assert.True(id > analysts, $"lead {id} is numbered before the stored lead {analysts}"));
        // And a lead made the ordinary way afterwards continues after them: the identity was advanced, not bypassed.
        Assert.True(await StoreAnalystLeadAsync(services, "later") > ids.Max());
    }

    /// <summary>Stores an analyst's lead through SaveChanges (its id from the identity) and returns its id.</summary>
    private static async Task<long> StoreAnalystLeadAsync(IServiceProvider services, string summary)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadsDbContext>();
        var lead = new Lead
        {
            PublicId = Guid.CreateVersion7(), OwnerAgency = Dushan, Source = LeadSource.Analyst, Status = LeadStatus.New, Severity = 2,
            Summary = summary, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
        };
        lead.Reference = LeadReference.For(lead);
        db.Leads.Add(lead);
        await db.SaveChangesAsync();
        return lead.Id;
    }

    private static ServiceProvider Services(string connection)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(DivisionCatalog.Default);
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton(new LeadsClock(TimeProvider.System));
        services.AddDbContext<LeadsDbContext>(o => o.UseNpgsql(connection));
        services.AddScoped<Correlator>();
        services.AddScoped<HitTasks>();
        services.AddScoped<FlagBatchReader>();
        services.AddScoped<FlagBatchWriter>();
        services.AddScoped<FlagToLeadConsumer>();
        return services.BuildServiceProvider();
    }

    private static async Task ApplyAsync(IServiceProvider services, IReadOnlyList<FlagToLeadConsumer.Flag> flags)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<FlagToLeadConsumer>().ApplyAsync(flags, CancellationToken.None);
    }

    /// <summary>
    /// Counts the commands and batches Npgsql sends to one database (its activities; opening a connection and the
    /// transaction's BEGIN, sent with the first command, and COMMIT are not among them).
    /// </summary>
    private sealed class RoundTrips : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly List<string> _seen = [];

        public RoundTrips(string database)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (activity.GetTagItem("db.namespace") as string != database || activity.DisplayName.StartsWith("CONNECT", StringComparison.Ordinal)) return;
                    lock (_seen) _seen.Add(activity.GetTagItem("db.query.text") as string ?? activity.DisplayName);
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public async Task<int> CountAsync(Func<Task> work)
        {
            lock (_seen) _seen.Clear();
            await work();
            lock (_seen)
            {
                // Shown when a count is not what the test expects.
                Console.WriteLine($"{_seen.Count} round trips:\n  " + string.Join("\n  ", _seen.Select(s => s.Length > 160 ? s[..160] : s)));
                return _seen.Count;
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}

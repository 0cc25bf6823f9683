extern alias screening;
using System.Net;
using System.Text.Json.Nodes;
using screening::JinDu.Screening.Infrastructure;
using screening::JinDu.Screening.Model;
using JinDu.Testing;
using System.Data.Common;
using JinDu.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace JinDu.IntegrationTests;

/// <summary>
/// An inspection post on PostgreSQL is written in one batch without an explicit transaction (its ids come from a
/// sequence): what an officer posts is stored whole or not at all, a retried post is stored once, and a database from
/// before the sequence keeps its inspections and takes new ones after them.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class Posting_on_postgresql(DistributedPlatform platform)
{
    private readonly PlatformClient _client = platform.Platform();

    [Fact]
    public async Task An_inspection_with_several_subjects_and_seizures_reads_back_whole()
    {
        var person = TestIds.Person("522726");
        var plate = $"贵J{Random.Shared.Next(10000, 99999)}";
        var post = new
        {
            checkpointId = PlatformClient.LiboCheckpoint, method = "manual_search", result = "seizure",
            subject = new { idNumber = person, name = "测试人", plate, phone = "13800138000" },
            seizures = new[] { new { substance = "methamphetamine", grams = 12.5m }, new { substance = "heroin", grams = 3.25m } },
        };
        var ids = new List<string>();
        for (var i = 0; i < 12; i++) // more than one block of ids from the sequence
        {
            using var posted = await _client.PostAsync("/api/screening/v1/inspections", "officer.522722", post);
            var text = await posted.Content.ReadAsStringAsync();
            Assert.True(posted.StatusCode == HttpStatusCode.Created, $"{(int)posted.StatusCode} {text}\n{platform.Logs()}");
            ids.Add(JsonNode.Parse(text)!["id"]!.GetValue<string>());
        }
        Assert.Equal(ids.Count, ids.Distinct().Count());

        foreach (var id in ids)
        {
            var read = await _client.GetJsonAsync($"/api/screening/v1/inspections/{id}", "officer.522722");
            Assert.Equal(id, read["id"]!.GetValue<string>());
            Assert.Equal(["person", "phone", "vehicle"], read["subjects"]!.AsArray().Select(s => s!["kind"]!.GetValue<string>()).Order());
            Assert.Equal([("heroin", 3.25m), ("methamphetamine", 12.5m)],
                read["seizures"]!.AsArray().Select(s => (s!["substance"]!.GetValue<string>(), s["grams"]!.GetValue<decimal>())).Order());
        }
        var byPlate = await _client.GetJsonAsync($"/api/screening/v1/inspections?plate={Uri.EscapeDataString(plate)}&limit=50", "officer.522722");
        Assert.Equal(ids.Order(), byPlate["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task The_same_post_sent_eight_times_at_once_is_stored_once()
    {
        var plate = $"贵J{Random.Shared.Next(10000, 99999)}";
        var post = new { checkpointId = PlatformClient.LiboCheckpoint, method = "dog", result = "clear", subject = new { plate } };
        var key = Guid.NewGuid().ToString();
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var response = await _client.PostAsync("/api/screening/v1/inspections", "officer.522722", post, key);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));
        Assert.All(answers, a => Assert.True(a.StatusCode == HttpStatusCode.Created, $"{(int)a.StatusCode} {a.Body}"));
        var id = Assert.Single(answers.Select(a => JsonNode.Parse(a.Body)!["id"]!.GetValue<string>()).Distinct());
        var byPlate = await _client.GetJsonAsync($"/api/screening/v1/inspections?plate={Uri.EscapeDataString(plate)}", "officer.522722");
        Assert.Equal(id, Assert.Single(byPlate["items"]!.AsArray())!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_database_from_before_the_sequence_keeps_its_inspections_and_numbers_new_ones_after_them()
    {
        var connection = await platform.Servers.CreatePostgresDatabaseAsync("screening_upgrade");
        var options = new DbContextOptionsBuilder<ScreeningDbContext>().UseNpgsql(connection).Options;
        await using (var old = new ScreeningDbContext(options))
            await old.GetService<IMigrator>().MigrateAsync("20261125104338_QueueIndexes");

        // Three inspections numbered by the identity column, as the last release stored them.
        await using (var sql = new NpgsqlConnection(connection))
        {
            await sql.OpenAsync();
            await using var insert = new NpgsqlCommand("""
                INSERT INTO checkpoints ("PublicId", "AgencyCode", "Name", "Kind", "Location", "Active")
                VALUES (gen_random_uuid(), '522722', '旧检查站', 'Road', '', true);
                INSERT INTO inspections ("AgencyCode", "CheckpointId", "InspectedAt", "Method", "Notes", "OfficerId", "OfficerName", "PublicId", "RecordedAt", "Result")
                SELECT '522722', (SELECT max("Id") FROM checkpoints), now(), 'Dog', NULL, 'o', 'o', gen_random_uuid(), now(), 'Clear'
                FROM generate_series(1, 3);
                """, sql);
            await insert.ExecuteNonQueryAsync();
        }

        await using (var upgraded = new ScreeningDbContext(options))
        {
            await upgraded.Database.MigrateAsync();
            var checkpoint = await upgraded.Checkpoints.SingleAsync();
            for (var i = 0; i < 2; i++)
            {
                var inspection = new Inspection
                {
                    PublicId = Guid.CreateVersion7(), AgencyCode = "522722", CheckpointId = checkpoint.Id, OfficerId = "o", OfficerName = "o",
                    Method = InspectionMethod.Dog, Result = InspectionResult.Clear, InspectedAt = DateTimeOffset.UtcNow, RecordedAt = DateTimeOffset.UtcNow,
                };
                await upgraded.Inspections.AddAsync(inspection);
                await upgraded.SaveChangesAsync();
            }
        }

        await using var after = new ScreeningDbContext(options);
        var numbers = await after.Inspections.OrderBy(i => i.Id).Select(i => i.Id).ToListAsync();
        Assert.Equal(5, numbers.Count);
        Assert.Equal([1, 2, 3], numbers.Take(3));
        Assert.All(numbers.Skip(3), n => Assert.True(n > 3, $"new inspection numbered {n}, among the old ones"));
    }

    [Fact]
    public async Task A_post_goes_in_one_batch_without_a_transaction_and_anything_that_would_not_is_told_apart()
    {
        var connection = await platform.Servers.CreatePostgresDatabaseAsync("screening_batch");
        var commands = new CommandCounter();
        var options = new DbContextOptionsBuilder<ScreeningDbContext>().UseNpgsql(connection).AddInterceptors(commands).Options;
        await using (var setup = new ScreeningDbContext(options))
        {
            await setup.Database.MigrateAsync();
            setup.Checkpoints.Add(new Checkpoint { PublicId = Guid.NewGuid(), AgencyCode = "522722", Name = "检查站", Kind = CheckpointKind.Road });
            await setup.SaveChangesAsync();
        }

        // A post's rows: the inspection (id from the sequence), its subjects and seizures, its event and audit entry.
        await using (var db = new ScreeningDbContext(options))
        {
            var checkpoint = await db.Checkpoints.SingleAsync();
            await db.Inspections.AddAsync(NewInspection(checkpoint.Id, seized: true));
            db.OutboxMessages.Add(new JinDu.BuildingBlocks.Messaging.OutboxMessage
            {
                MessageId = Guid.NewGuid(), Type = "t", Body = "{}", OccurredAt = DateTimeOffset.UtcNow,
            });
            Assert.True(SingleBatch.Fits(db));
            commands.Reset();
            await SingleBatch.SaveChangesAsync(db, CancellationToken.None);
            Assert.Equal((1, 0), (commands.Count, commands.Transactions)); // one command, no BEGIN … COMMIT around it
        }

        // A new checkpoint has an identity column: an inspection at it waits for its id, a second batch.
        await using (var db = new ScreeningDbContext(options))
        {
            var inspection = NewInspection(0, seized: false);
            inspection.Checkpoint = new Checkpoint { PublicId = Guid.NewGuid(), AgencyCode = "522722", Name = "新检查站", Kind = CheckpointKind.Road };
            await db.Inspections.AddAsync(inspection);
            Assert.False(SingleBatch.Fits(db));
            commands.Reset();
            await SingleBatch.SaveChangesAsync(db, CancellationToken.None);
            Assert.Equal((2, 1), (commands.Count, commands.Transactions)); // two batches, in a transaction as before
        }

        // More rows than one batch surely holds.
        await using (var db = new ScreeningDbContext(options))
        {
            var checkpoint = await db.Checkpoints.AsNoTracking().FirstAsync();
            for (var i = 0; i <= SingleBatch.MaxRows; i++) await db.Inspections.AddAsync(NewInspection(checkpoint.Id, seized: false));
            Assert.False(SingleBatch.Fits(db));
        }
    }

    private static Inspection NewInspection(long checkpointId, bool seized) => new()
    {
        PublicId = Guid.CreateVersion7(), AgencyCode = "522722", CheckpointId = checkpointId, OfficerId = "o", OfficerName = "o",
        Method = InspectionMethod.ManualSearch, Result = seized ? InspectionResult.Seizure : InspectionResult.Clear,
        InspectedAt = DateTimeOffset.UtcNow, RecordedAt = DateTimeOffset.UtcNow,
        Subjects = seized ? [new InspectionSubject { Kind = SubjectKind.Person, Token = "t", Masked = "m", Encrypted = "e" }] : [],
        Seizures = seized ? [new Seizure { Substance = "heroin", Grams = 1m }] : [],
    };

    /// <summary>Counts the commands EF sends (a batch is one) and the transactions it begins.</summary>
    private sealed class CommandCounter : DbCommandInterceptor, IDbTransactionInterceptor
    {
        public int Count;
        public int Transactions;

        public void Reset() => (Count, Transactions) = (0, 0);

        public ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result,
            CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Transactions);
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Count);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
